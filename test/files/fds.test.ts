import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { ProcessGone } from "../../src/errors.js";
import { classifyTarget, devString, LISTING_FDINFO, listFds, listOpenFiles, sumDeletedFiles } from "../../src/files/fds.js";
import { createProcessContext } from "../../src/processes/context.js";
import { runBin, runCli } from "../helpers/cli.js";
import { FIXTURE_PROC } from "../helpers/fixtures.js";
import { type LiveProcess, startProcess, unusedPid } from "../helpers/live.js";
import { runAsNobody } from "../helpers/unprivileged.js";
import { holderBinary, readyNumbers, tempDir } from "./_helpers.js";

const dir = tempDir();
const file = path.join(dir, "data.bin");
const doomed = path.join(dir, "doomed.bin");
let holder: LiveProcess;
let fdOf: Record<string, number>;

beforeAll(async () => {
  fs.writeFileSync(file, randomBytes(20000));
  fs.writeFileSync(doomed, randomBytes(70000));
  holder = await startProcess(holderBinary(), [file, doomed], { ready: "ready" });
  fdOf = readyNumbers(holder.output());
});
afterAll(() => holder.kill());

/** lsof's view of the numbered fds: fd → { access, type, inode, offset, name }. */
function lsofFds(pid: number): Map<number, Record<string, string>> {
  const out = execFileSync("lsof", ["-n", "-P", "-o", "-o", "0", "-p", String(pid), "-F", "fatinon"], { encoding: "utf8" });
  const fds = new Map<number, Record<string, string>>();
  let current: Record<string, string> | null = null;
  for (const line of out.split("\n")) {
    const key = line[0];
    const value = line.slice(1);
    if (key === "f") {
      current = /^\d+$/.test(value) ? {} : null;
      if (current) fds.set(Number(value), current);
    } else if (current && key) current[key] = value;
  }
  return fds;
}

describe("listFds()", () => {
  it("reports offset, access mode, decoded flags and size of a file held at a known offset", () => {
    const fds = listFds(openProcFs(), holder.pid);
    const r = fds.find((f) => f.fd === fdOf.r);
    expect(r).toMatchObject({ type: "file", path: file, posBytes: 12345, mode: "r", sizeBytes: 20000, deleted: false });
    expect(r?.flags?.[0]).toBe("O_RDONLY");
    expect(r?.inode).toBe(fs.statSync(file).ino);
    const a = fds.find((f) => f.fd === fdOf.a);
    expect(a?.mode).toBe("w");
    expect(a?.flags).toEqual(expect.arrayContaining(["O_WRONLY", "O_APPEND", "O_NONBLOCK"]));
    expect(a?.flags).not.toContain("O_CLOEXEC");
  });

  it("classifies pipes, eventfd, sockets, memfd and a deleted file", () => {
    const fds = new Map(listFds(openProcFs(), holder.pid).map((f) => [f.fd, f]));
    const pr = fds.get(fdOf.pr as number);
    const pw = fds.get(fdOf.pw as number);
    expect(pr).toMatchObject({ type: "pipe", mode: "r" });
    expect(pw).toMatchObject({ type: "pipe", mode: "w", inode: pr?.inode });
    expect(fds.get(fdOf.e as number)).toMatchObject({ type: "anon_inode", anonKind: "eventfd" });
    expect(fds.get(fdOf.e as number)?.flags).toContain("O_CLOEXEC");
    expect(fds.get(fdOf.s0 as number)?.type).toBe("socket");
    expect(fds.get(fdOf.m as number)).toMatchObject({ type: "memfd", sizeBytes: 4096 });
    expect(fds.get(fdOf.d as number)).toMatchObject({ type: "file", deleted: true, path: doomed, sizeBytes: 70000 });
  });

  it("agrees with lsof -n -P on access, inode and offset of every numbered fd", () => {
    const ours = new Map(listFds(openProcFs(), holder.pid).map((f) => [f.fd, f]));
    const theirs = lsofFds(holder.pid);
    expect([...ours.keys()].sort((x, y) => x - y)).toEqual([...theirs.keys()].sort((x, y) => x - y));
    const typeMap: Record<string, string[]> = {
      REG: ["file", "memfd"],
      FIFO: ["pipe", "fifo"],
      unix: ["socket"],
      a_inode: ["anon_inode"],
      CHR: ["dev", "tty"],
      DIR: ["dir"],
    };
    for (const [fd, l] of theirs) {
      const f = ours.get(fd);
      expect(f, `fd ${fd}`).toBeDefined();
      // JSON's mode is lsof's letter, as the tables show it (r, w, u).
      expect({ fd, mode: f?.mode }).toEqual({ fd, mode: l.a });
      expect(typeMap[l.t as string] ?? [], `fd ${fd} type ${l.t}`).toContain(f?.type);
      if (l.i !== undefined && l.t !== "a_inode") expect({ fd, inode: f?.inode }).toEqual({ fd, inode: Number(l.i) });
      if (l.o?.startsWith("0t")) expect({ fd, pos: f?.posBytes }).toEqual({ fd, pos: Number(l.o.slice(2)) });
    }
  });

  it("throws ProcessGone for a PID that does not exist", () => {
    expect(() => listFds(openProcFs(), unusedPid())).toThrow(ProcessGone);
  });
});

describe("classifyTarget()", () => {
  it("reads the kind from the link text alone", () => {
    expect(classifyTarget("pipe:[42]")).toMatchObject({ type: "pipe", inode: 42 });
    expect(classifyTarget("anon_inode:[eventpoll]")).toMatchObject({ type: "anon_inode", anonKind: "eventpoll" });
    expect(classifyTarget("anon_inode:inotify")).toMatchObject({ type: "anon_inode", anonKind: "inotify" });
    expect(classifyTarget("/memfd:x (deleted)")).toMatchObject({ type: "memfd", path: "/memfd:x", deletedSuffix: true });
    expect(classifyTarget("net:[4026531840]")).toMatchObject({ type: "unknown", anonKind: "net" });
  });
});

describe("devString()", () => {
  /** glibc's makedev(), in bigints: the encoding devString must undo. */
  const makedev = (major: bigint, minor: bigint): bigint =>
    (minor & 0xffn) | ((major & 0xfffn) << 8n) | ((minor & ~0xffn) << 12n) | ((major & ~0xfffn) << 32n);

  it("splits dev_t as stat(1) does, for real files", () => {
    for (const file of ["/etc/hostname", "/proc/self/stat", "/dev/null", "/dev/shm"]) {
      const expected = execFileSync("stat", ["-c", "%Hd:%Ld", file], { encoding: "utf8" }).trim();
      expect(devString(fs.statSync(file).dev)).toBe(expected);
      expect(devString(fs.statSync(file, { bigint: true }).dev)).toBe(expected);
    }
  });

  it("undoes makedev() for large majors and minors", () => {
    for (const [major, minor] of [
      [0n, 0n],
      [254n, 0n],
      [259n, 65536n],
      [4095n, 1048575n],
      [0x12345n, 0xfffffn],
      [0xfffffn, 0xffffffffn],
    ] as const) {
      expect(devString(makedev(major, minor))).toBe(`${major}:${minor}`);
    }
  });
});

describe("listOpenFiles() and deletedTotals()", () => {
  it("with LISTING_FDINFO takes pipe and socket modes from the link, matching fdinfo", () => {
    const context = createProcessContext(openProcFs());
    const [fast] = listOpenFiles(context, { pids: [holder.pid], ...LISTING_FDINFO });
    const full = new Map(listFds(openProcFs(), holder.pid).map((f) => [f.fd, f]));
    expect(fast?.fds?.length).toBe(full.size);
    for (const f of fast?.fds ?? []) expect({ fd: f.fd, mode: f.mode }).toEqual({ fd: f.fd, mode: full.get(f.fd)?.mode });
    const pipe = fast?.fds?.find((f) => f.fd === fdOf.pw);
    expect(pipe).toMatchObject({ mode: "w", flags: null, posBytes: null });
    expect(pipe?.errors.flags).toMatch(/not read in listings/);
    expect(fast?.fds?.find((f) => f.fd === fdOf.r)).toMatchObject({ posBytes: 12345, mode: "r" });
    // Sockets are taken to be read-write without the lstat: check the kernel agrees.
    const sockets = fast?.fds?.filter((f) => f.type === "socket") ?? [];
    expect(sockets.length).toBeGreaterThan(0);
    for (const f of sockets) {
      expect(f.mode).toBe("u");
      expect(fs.lstatSync(`/proc/${holder.pid}/fd/${f.fd}`).mode & 0o600).toBe(0o600);
    }
  });

  it("finds the holder's deleted file and totals its size once", () => {
    const context = createProcessContext(openProcFs());
    const processes = listOpenFiles(context, { filter: (f) => f.deleted && f.type === "file" });
    const totals = sumDeletedFiles(processes);
    expect(totals.find((t) => t.pid === holder.pid)).toMatchObject({ files: 1, bytes: 70000 });
  });
});

describe("procscope fds / lsof", () => {
  it("fds --json prints the same fds as listFds()", async () => {
    const result = await runCli(["fds", String(holder.pid), "--json"]);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { fd: number; posBytes: number | null }[];
    expect(parsed.find((f) => f.fd === fdOf.r)?.posBytes).toBe(12345);
    expect(parsed.map((f) => f.fd)).toEqual(listFds(openProcFs(), holder.pid).map((f) => f.fd));
  });

  it("fds prints a table with the target and exits 3 for a gone PID", async () => {
    const ok = await runCli(["fds", String(holder.pid)]);
    expect(ok.stdout).toContain(`${doomed} (deleted)`);
    const gone = await runCli(["fds", String(unusedPid())]);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(/^procscope: (process \d+ exited|no such process \d+)\n$/);
  });

  it("lsof --path answers who holds a file, and exits 1 when nobody does", async () => {
    const result = await runCli(["lsof", "--path", file, "--json"]);
    expect(result.code).toBe(0);
    const processes = JSON.parse(result.stdout) as { pid: number; fds: { fd: number }[] }[];
    expect(processes.map((p) => p.pid)).toEqual([holder.pid]);
    expect(processes[0]?.fds.map((f) => f.fd).sort()).toEqual([fdOf.r, fdOf.a].sort());
    const other = path.join(dir, "unheld");
    fs.writeFileSync(other, "x");
    expect((await runCli(["lsof", "--path", other])).code).toBe(1);
  });

  it("lsof --deleted totals the space held per process; --json is the same array as lsof's, filtered", async () => {
    const result = await runCli(["lsof", "--deleted", "--json"]);
    const parsed = JSON.parse(result.stdout) as { pid: number; fds: { deleted: boolean; type: string; sizeBytes: number }[] }[];
    const ours = parsed.find((p) => p.pid === holder.pid);
    expect(ours?.fds.reduce((a, f) => a + f.sizeBytes, 0)).toBe(70000);
    expect(parsed.every((p) => p.fds.every((f) => f.deleted && f.type === "file"))).toBe(true);
    const text = await runCli(["lsof", "--deleted", "--pid", String(holder.pid)]);
    expect(text.stdout).toMatch(/total: .* \(70000 bytes\) held by deleted files in 1 process\n$/);
  });

  it("lsof --type filters by type and rejects an unknown type", async () => {
    const result = await runCli(["lsof", "--type", "pipe", "--pid", String(holder.pid), "--json"]);
    const processes = JSON.parse(result.stdout) as { fds: { type: string }[] }[];
    expect(processes[0]?.fds.every((f) => f.type === "pipe")).toBe(true);
    expect(processes[0]?.fds.length).toBeGreaterThanOrEqual(2);
    const bad = await runCli(["lsof", "--type", "chair"]);
    expect(bad.code).toBe(2);
  });

  it("lsof's table and --json give every fd the same access letter, lsof's own (r, w, u)", async () => {
    // The built CLI (native fd tables, link modes) and the in-process one (TypeScript reads).
    for (const run of [runBin, runCli]) {
      const [table, json] = await Promise.all([
        run(["lsof", "--pid", String(holder.pid)]),
        run(["lsof", "--pid", String(holder.pid), "--json"]),
      ]);
      const fromTable = new Map<number, string>();
      for (const line of table.stdout.split("\n").slice(1)) {
        const fd = /^\S+\s+\d+\s+\S+\s+(\d+)([rwu]?)\s/.exec(line);
        if (fd) fromTable.set(Number(fd[1]), fd[2] as string);
      }
      const fds = (JSON.parse(json.stdout) as { fds: { fd: number; mode: string | null }[] }[])[0]?.fds ?? [];
      expect(fds.length).toBeGreaterThan(4);
      expect(new Map(fds.map((f) => [f.fd, f.mode ?? ""]))).toEqual(fromTable);
      const theirs = lsofFds(holder.pid);
      for (const f of fds) expect({ fd: f.fd, mode: f.mode }).toEqual({ fd: f.fd, mode: theirs.get(f.fd)?.a });
    }
  });

  it("lsof --pid names a PID that does not exist and exits 3, no such process", async () => {
    const gone = unusedPid();
    for (const json of [[], ["--json"]]) {
      const result = await runCli(["lsof", "--pid", `${holder.pid},${gone}`, ...json]);
      expect(result.code).toBe(3);
      expect(result.stderr).toBe(`procscope: no such process ${gone}\n`);
      expect(result.stdout).toContain(String(holder.pid));
    }
    // There but with nothing matching the filter: not an error.
    const filtered = await runCli(["lsof", "--pid", String(holder.pid), "--type", "tty", "--json"]);
    expect({ code: filtered.code, stderr: filtered.stderr }).toEqual({ code: 0, stderr: "" });
  });

  it("fds of another user's process as an unprivileged user exits 4", async () => {
    if (process.getuid?.() !== 0) return;
    const result = await runBin(["fds", String(holder.pid)], { uid: 65534 });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^procscope: .*permission denied/);
  });
});

describe("procscope recover on a closed fd", () => {
  it("recover of an fd number that is not open is a one-line error", async () => {
    const result = await runCli(["recover", String(holder.pid), "999", "-o", path.join(dir, "nope")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`procscope: process ${holder.pid} has no fd 999\n`);
    expect(fs.existsSync(path.join(dir, "nope"))).toBe(false);
  });
});

describe("a captured tree (--root)", () => {
  const root = FIXTURE_PROC;

  it("lsof --root reads the captured fd links and fdinfo without stat'ing this machine's files", async () => {
    const result = await runCli(["lsof", "--root", root, "--pid", "1017", "--json"]);
    expect(result.code).toBe(0);
    const [p] = JSON.parse(result.stdout) as {
      comm: string;
      fds: { fd: number; type: string; inode: number; mode: string; device: string | null }[];
    }[];
    expect(p?.comm).toBe("memfd:sealed-91");
    expect(p?.fds.find((f) => f.fd === 0)).toMatchObject({ type: "pipe", inode: 2945, mode: "r" });
    expect(p?.fds.find((f) => f.fd === 3)).toMatchObject({ type: "dir", device: null });
  });

  it("peers --root joins the captured processes by pipe inode", async () => {
    const result = await runCli(["peers", "--root", root, "--json"]);
    const list = JSON.parse(result.stdout) as { kind: string; inode: number; ends: { pid: number; fd: number; side: string }[] }[];
    expect(list.find((c) => c.inode === 2952)?.ends.map((e) => [e.pid, e.fd, e.side])).toEqual([
      [1017, 4, "write"],
      [1018, 255, "read"],
    ]);
  });
});

describe("commands about one process whose fds another user cannot read", () => {
  it("peers, net, progress and lsof --pid say why, instead of showing nothing", async () => {
    // The holder runs as root; uid 65534 may see that it exists but not its fd table.
    for (const argv of [
      ["peers", String(holder.pid)],
      ["net", String(holder.pid)],
      ["progress", String(holder.pid)],
    ]) {
      const result = await runAsNobody(argv);
      expect(result.code, argv.join(" ")).toBe(4);
      expect(result.stderr).toBe(
        `procscope: cannot read "/proc/${holder.pid}/fd": permission denied (another user's process (uid 0); not root)\n`,
      );
      expect(result.stdout).toBe("");
    }
    // A listing over many processes keeps going and gives the reason per process.
    const lsof = await runAsNobody(["lsof", "--pid", String(holder.pid), "--json"]);
    expect(lsof.code).toBe(0);
    expect(JSON.parse(lsof.stdout)).toMatchObject([
      { pid: holder.pid, fds: null, errors: { fds: expect.stringContaining("another user's process") } },
    ]);
  });
});
