/**
 * capture and --root: a snapshot read back gives what the live system gave at capture time (for
 * processes that did not change), as a directory and as a .tar.gz; damaged or hostile archives
 * are refused without writing outside their target; environ is redacted unless asked; diff.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractTarGz, MAX_UNPACKED_BYTES, writeTar } from "../../src/capture/tar.js";
import { exeOf, randomAwsKey, waitUntil } from "../audit/_helpers.js";
import { runCli } from "../helpers/cli.js";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";

const base = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-capture-"));
// Several captures of every process: tens of thousands of files to remove on a busy machine.
afterAll(() => fs.rmSync(base, { recursive: true, force: true }), 180_000);

/** Opens a file, a pipe and a socket pair, maps an anonymous page, then waits. */
const STEADY_C = String.raw`
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int f = open(argv[1], O_RDONLY);
  int p[2], s[2];
  if (f < 0 || pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, s)) return 1;
  if (mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED) return 1;
  printf("ready\n");
  fflush(stdout);
  pause();
  return 0;
}
`;

/**
 * A UNIX stream connection between two processes through a named socket: the parent listens on
 * argv[1] and accepts, the child connects; "ready CHILD" once both ends are connected.
 */
const UNIX_CONNECTION_C = String.raw`
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
int main(int argc, char **argv) {
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
  int server = socket(AF_UNIX, SOCK_STREAM, 0);
  if (server < 0 || bind(server, (struct sockaddr *)&addr, sizeof addr) || listen(server, 1)) return 1;
  pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(server); /* the client socket becomes fd 3; the parent's accepted one is fd 4 */
    int client = socket(AF_UNIX, SOCK_STREAM, 0);
    if (client < 0 || connect(client, (struct sockaddr *)&addr, sizeof addr)) return 1;
    pause();
    return 0;
  }
  if (accept(server, 0, 0) < 0) return 1;
  printf("ready %d\n", (int)child);
  fflush(stdout);
  pause();
  return 0;
}
`;

async function json(args: readonly string[]): Promise<unknown> {
  const result = await runCli([...args, "--json"]);
  expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout);
}

/** ps rows: lifetime %CPU is CPU time over time since start, and time moves on after a capture. */
function withoutLifetimeCpu(rows: unknown): unknown {
  return (rows as Record<string, unknown>[]).map(({ cpuPercent: _, ...rest }) => rest);
}

/**
 * fds: a capture keeps each fd's link and fdinfo; what a stat through the link says (size, device)
 * is not captured, and the fds reader does not stat through a captured link (it would stat the
 * reading machine's files), so those two are left out of the comparison.
 */
function withoutStat(fds: unknown): unknown {
  return (fds as Record<string, unknown>[]).map(({ sizeBytes: _s, device: _d, ...rest }) => rest);
}

/** System files that do not change while the machine runs (cpuinfo but for its clock speeds). */
const SYS_STABLE = ["version", "cpuinfo", "filesystems", "devices"] as const;

/** cpuinfo without the current clock speed of each CPU, which moves from one read to the next. */
function withoutClock(value: unknown): unknown {
  const info = value as { processors?: Record<string, unknown>[] };
  return { ...info, processors: info.processors?.map(({ cpuMhz: _, ...rest }) => rest) };
}

describe("capture, then --root", () => {
  let steady: LiveProcess;
  let secretHolder: LiveProcess;
  let connected: LiveProcess;
  let connectedChild = 0;
  const key = randomAwsKey();
  const dir = path.join(base, "snap");
  const tarball = path.join(base, "snap.tar.gz");
  const live: Record<string, unknown> = {};

  beforeAll(async () => {
    const file = path.join(base, "held.txt");
    fs.writeFileSync(file, "held open\n");
    steady = await startProcess(compileC("capture-steady", STEADY_C), [file], { ready: "ready" });
    secretHolder = await startProcess("/bin/sleep", ["300"], { stdio: "ignore", env: { PATH: "/bin", AWS_ACCESS_KEY_ID: key } });
    await waitUntil("exec", () => exeOf(secretHolder.pid) === fs.realpathSync("/bin/sleep"));
    connected = await startProcess(compileC("capture-unix-connection", UNIX_CONNECTION_C), [path.join(base, "conn.sock")], {
      ready: /ready \d+\n/,
    });
    connectedChild = Number(/ready (\d+)/.exec(connected.output())?.[1]);
    const pid = String(steady.pid);
    const captured = await runCli(["capture", "-o", dir]);
    expect(captured.code, captured.stderr).toBe(0);
    expect(captured.stdout).toMatch(/^captured \d+ processes/);
    // The live outputs right after the capture: these processes are asleep and unchanged.
    live.ps = await json(["ps", "--pid", `${pid},${secretHolder.pid}`]);
    live.show = await json(["show", pid]);
    live.fds = await json(["fds", pid]);
    live.maps = await json(["maps", pid]);
    live.tree = await json(["tree", pid]);
    live.threads = await json(["threads", pid]);
    live.peers = await json(["peers", String(connectedChild)]);
    for (const name of SYS_STABLE) live[`sys ${name}`] = await json(["sys", name]);
    const packed = await runCli(["capture", "-o", tarball]);
    expect(packed.code, packed.stderr).toBe(0);
  }, 120_000);

  it("ps, show, fds, maps, tree and threads --root DIR equal the live output of processes that did not change", async () => {
    const pid = String(steady.pid);
    expect(withoutLifetimeCpu(await json(["ps", "--pid", `${pid},${secretHolder.pid}`, "--root", dir]))).toEqual(
      withoutLifetimeCpu(live.ps),
    );
    const show = (await json(["show", pid, "--root", dir])) as Record<string, unknown>;
    const { cpuPercent: _a, ...showLive } = live.show as Record<string, unknown>;
    const { cpuPercent: _b, ...showCaptured } = show;
    expect(showCaptured).toEqual(showLive);
    expect(withoutStat(await json(["fds", pid, "--root", dir]))).toEqual(withoutStat(live.fds));
    expect(await json(["maps", pid, "--root", dir])).toEqual(live.maps);
    expect(withoutLifetimeCpu(await json(["tree", pid, "--root", dir]))).toEqual(withoutLifetimeCpu(live.tree));
    expect(await json(["threads", pid, "--root", dir])).toEqual(live.threads);
  });

  it("peers --root says a UNIX connection's other end is not captured, where live named both ends", async () => {
    type Channel = { kind: string; inode: number; match: string; ends: { pid: number; fd: number }[]; reason?: string };
    // Node's stdio pipes are UNIX socketpairs too: pick the connection by its fds.
    const ends = (c: Channel) => c.ends.map((e) => `${e.pid}:${e.fd}`).sort();
    const connection = (c: Channel) => c.kind === "unix" && c.ends.some((e) => e.pid === connectedChild && e.fd === 3);
    expect((live.peers as Channel[]).filter(connection).map((c) => [c.match, ends(c)])).toEqual([
      ["peer", [`${connected.pid}:4`, `${connectedChild}:3`].sort()],
    ]);
    const result = await runCli(["peers", String(connectedChild), "--root", dir, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const captured = (JSON.parse(result.stdout) as Channel[]).filter(connection);
    expect(captured).toEqual([
      {
        kind: "unix",
        inode: expect.any(Number),
        label: null,
        match: "unknown",
        ends: [expect.objectContaining({ pid: connectedChild, fd: 3 })],
        reason: expect.stringMatching(/^UNIX socket peers are not captured in .* \(sock_diag asks the running kernel\)$/),
      },
    ]);
    expect(result.stderr).toMatch(
      /^procscope: \d+ connected UNIX sockets? listed without (its|their) other end: UNIX socket peers are not captured/m,
    );
    const server = (await json(["peers", String(connected.pid), "--root", dir])) as Channel[];
    expect(server.filter((c) => c.ends.some((e) => e.pid === connected.pid && e.fd === 4)).map((c) => [c.match, ends(c)])).toEqual([
      ["unknown", [`${connected.pid}:4`]],
    ]);
    const text = await runCli(["peers", String(connectedChild), "--root", dir]);
    expect(text.stdout).toMatch(new RegExp(`^unix +${captured[0]?.inode} unknown +- +${connectedChild}/capture-unix-co\\[3\\]$`, "m"));
  });

  it("a .tar.gz capture reads back like a directory", async () => {
    const pid = String(steady.pid);
    expect(withoutStat(await json(["fds", pid, "--root", tarball]))).toEqual(withoutStat(live.fds));
    expect(await json(["maps", pid, "--root", tarball])).toEqual(live.maps);
    expect(withoutLifetimeCpu(await json(["ps", "--pid", pid, "--root", tarball]))).toEqual(
      withoutLifetimeCpu((live.ps as { pid: number }[]).filter((p) => p.pid === steady.pid)),
    );
    // Each --root of a tarball extracts it whole: seconds apiece with a thousand processes captured.
  }, 180_000);

  it("writes a manifest and never mem or pagemap; stores environ redacted, and audit --root still names the secret", async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ format: "procscope-capture/1", environRedacted: true, kallsyms: false, kernel: os.release() });
    expect(manifest.processes).toBeGreaterThan(5);
    expect(Array.isArray(manifest.exited)).toBe(true);
    // Not one process or thread directory holds mem or pagemap.
    const pidDirs = fs.readdirSync(path.join(dir, "proc")).filter((name) => /^\d+$/.test(name));
    expect(pidDirs.length).toBe(manifest.processes);
    const forbidden: string[] = [];
    for (const pid of pidDirs) {
      const processDir = path.join(dir, "proc", pid);
      const taskDir = path.join(processDir, "task");
      const dirs = [processDir, ...(fs.existsSync(taskDir) ? fs.readdirSync(taskDir).map((tid) => path.join(taskDir, tid)) : [])];
      for (const d of dirs)
        for (const name of ["mem", "pagemap"]) if (fs.existsSync(path.join(d, name))) forbidden.push(path.join(d, name));
    }
    expect(forbidden).toEqual([]);
    expect(fs.existsSync(path.join(dir, "proc", "kallsyms"))).toBe(false);
    const environ = fs.readFileSync(path.join(dir, "proc", String(secretHolder.pid), "environ"), "latin1");
    expect(environ).not.toContain(key);
    expect(environ).toContain("PATH=/bin");
    const audit = await runCli(["audit", String(secretHolder.pid), "--root", dir, "--rules", "secret-in-environ", "--json"]);
    expect(audit.code, audit.stderr).toBe(0);
    const findings = JSON.parse(audit.stdout);
    expect(findings[0]).toMatchObject({ rule: "secret-in-environ", pid: secretHolder.pid });
    expect(findings[0].evidence.variables).toEqual([
      { name: "AWS_ACCESS_KEY_ID", kind: "aws-access-key-id", redacted: `AKIA…${key.slice(-3)}` },
    ]);
    expect(audit.stdout).not.toContain(key);
  });

  it('a capture missing some files: every read-only command gives those fields null with the reason "not captured", or one line saying so', async () => {
    const copy = path.join(base, "partial");
    fs.cpSync(dir, copy, { recursive: true, verbatimSymlinks: true });
    const steadyDir = path.join(copy, "proc", String(steady.pid));
    const holderDir = path.join(copy, "proc", String(secretHolder.pid));
    for (const name of ["io", "limits", "status", "cmdline", `task/${steady.pid}/status`]) fs.rmSync(path.join(steadyDir, name));
    for (const name of ["fd", "fdinfo", "maps", "environ"]) fs.rmSync(path.join(holderDir, name), { recursive: true });
    fs.rmSync(path.join(copy, "proc", "meminfo"));
    fs.rmSync(path.join(copy, "proc", "loadavg"));
    fs.rmSync(path.join(copy, "proc", fs.readlinkSync(path.join(copy, "proc", "net")), "tcp"));
    const NOT_CAPTURED = /does not exist: not captured$/;
    const pid = String(steady.pid);
    type Row = Record<string, unknown> & { pid: number; errors: Record<string, string> };

    // ps, tree and show: the fields read from the missing files are null, each with its reason.
    const [ps] = (await json(["ps", "--pid", pid, "--root", copy])) as Row[];
    const show = (await json(["show", pid, "--root", copy])) as Row;
    const tree = (await json(["tree", pid, "--root", copy])) as Row[];
    for (const [what, row] of [
      ["ps", ps],
      ["show", show],
      ["tree", tree[0]],
    ] as const) {
      expect(row, what).toMatchObject({ pid: steady.pid, uid: null, user: null, cmdline: null });
      for (const field of ["uid", "user", "cmdline"]) expect(row?.errors[field], `${what} ${field}`).toMatch(NOT_CAPTURED);
    }
    expect(show).toMatchObject({ io: null, limits: null });
    expect(show.errors.io).toMatch(NOT_CAPTURED);
    expect(show.errors.limits).toMatch(NOT_CAPTURED);

    // threads: the thread whose status is missing keeps its row, context switches null.
    const [thread] = (await json(["threads", pid, "--root", copy])) as Row[];
    expect(thread).toMatchObject({ tid: steady.pid, voluntaryCtxSwitches: null, nonvoluntaryCtxSwitches: null });
    expect(thread?.errors.voluntaryCtxSwitches).toMatch(NOT_CAPTURED);

    // lsof: the process without its fd directory is listed with fds null, not left out.
    const lsof = (await json(["lsof", "--pid", String(secretHolder.pid), "--root", copy])) as Row[];
    expect(lsof).toMatchObject([{ pid: secretHolder.pid, fds: null }]);
    expect(lsof[0]?.errors.fds).toMatch(NOT_CAPTURED);

    // fds, maps and sys NAME are about one thing: one line saying it was not captured, exit 1.
    for (const argv of [
      ["fds", String(secretHolder.pid)],
      ["maps", String(secretHolder.pid)],
      ["sys", "meminfo"],
    ]) {
      const result = await runCli([...argv, "--root", copy]);
      expect(result.code, argv.join(" ")).toBe(1);
      expect(result.stderr).toMatch(/^procscope: "[^"\n]+" does not exist: not captured\n$/);
    }
    // sys without a name: the overview's missing parts say so.
    const sys = (await json(["sys", "--root", copy])) as { load: unknown; errors: Record<string, string> };
    expect(sys.load).toBeNull();
    expect(Object.values(sys.errors).some((reason) => /loadavg" does not exist: not captured$/.test(reason))).toBe(true);

    // net: the missing table's reason is "not captured" (not "the kernel offers no net/tcp").
    const net = (await json(["net", "--root", copy])) as { errors: Record<string, string> };
    expect(net.errors.tcp).toMatch(NOT_CAPTURED);

    // peers: the process without its fd directory is counted on stderr.
    const peers = await runCli(["peers", String(secretHolder.pid), "--root", copy]);
    expect(peers.code, peers.stderr).toBe(0);
    // (Another process may be counted too: one whose fd links the kernel refused at capture time, as live.)
    expect(peers.stderr).toMatch(/process(es)? could not be read \((.*; )?fd directory not captured: 1\)/);

    // audit: the checks that needed the missing files are named as not captured.
    const audit = await runCli(["audit", String(secretHolder.pid), "--root", copy, "--json"]);
    expect(audit.code, audit.stderr).toBe(0);
    expect((JSON.parse(audit.stdout) as Row[]).filter((f) => f.pid === secretHolder.pid)).toEqual([]);
    expect(audit.stderr).toMatch(/rwx-memory: not captured \(1\)/);
    expect(audit.stderr).toMatch(/secret-in-environ: not captured \(1\)/);
  }, 240_000);

  it("sys NAME --root equals the live sys NAME taken at capture time, for files that do not change", async () => {
    for (const name of SYS_STABLE) {
      const captured = await json(["sys", name, "--root", dir]);
      if (name === "cpuinfo") expect(withoutClock(captured), name).toEqual(withoutClock(live[`sys ${name}`]));
      else expect(captured, name).toEqual(live[`sys ${name}`]);
    }
  });

  it("--with-secrets keeps environ as it was", async () => {
    const out = path.join(base, "with-secrets");
    const result = await runCli(["capture", "-o", out, "--with-secrets"]);
    expect(result.code, result.stderr).toBe(0);
    expect(fs.readFileSync(path.join(out, "proc", String(secretHolder.pid), "environ"), "latin1")).toContain(key);
  }, 60_000);

  it("refuses a path that exists, and never touches it", async () => {
    const before = fs.readFileSync(path.join(dir, "manifest.json"));
    for (const target of [dir, tarball]) {
      const result = await runCli(["capture", "-o", target]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/exists: choose a new path/);
    }
    expect(fs.readFileSync(path.join(dir, "manifest.json"))).toEqual(before);
  });

  it("a path whose directory does not exist is one line saying so, exit 2, nothing made", async () => {
    const missing = path.join(base, "no-such-dir", "deeper", "cap");
    const result = await runCli(["capture", "-o", missing]);
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe(
      `procscope: cannot capture to "${missing}": "${path.dirname(missing)}" is not a directory (a capture makes only its own path)`,
    );
    expect(fs.existsSync(path.join(base, "no-such-dir"))).toBe(false);
  });

  it("diff of a capture against itself is empty; against now it names a process started after the capture", async () => {
    const same = await runCli(["diff", dir, dir, "--json"]);
    expect(same.code, same.stderr).toBe(0);
    expect(JSON.parse(same.stdout)).toEqual({
      started: [],
      ended: [],
      changed: [],
      newListeners: [],
      newDeletedFiles: [],
      newFindings: [],
    });
    expect((await runCli(["diff", tarball, dir])).stdout).toBeDefined();
    const later = await startProcess("/bin/sleep", ["301"], { stdio: "ignore" });
    await waitUntil("exec", () => exeOf(later.pid) === fs.realpathSync("/bin/sleep"));
    const now = await runCli(["diff", dir, "--json"]);
    expect(now.code, now.stderr).toBe(0);
    const diff = JSON.parse(now.stdout);
    expect(diff.started.map((p: { pid: number }) => p.pid)).toContain(later.pid);
    expect(diff.started.map((p: { pid: number }) => p.pid)).not.toContain(steady.pid);
    expect(diff.ended.map((p: { pid: number }) => p.pid)).not.toContain(steady.pid);
    const text = await runCli(["diff", dir]);
    expect(text.stdout).toMatch(new RegExp(`started \\(\\d+\\):[\\s\\S]*\\n  ${later.pid} /bin/sleep 301\\n`));
    await later.kill();
  }, 120_000);
});

describe("--root refuses what is not a capture", () => {
  it("a directory that is neither a capture nor a /proc tree", async () => {
    const empty = fs.mkdtempSync(path.join(base, "not-a-capture-"));
    fs.writeFileSync(path.join(empty, "notes.txt"), "hello");
    const result = await runCli(["ps", "--root", empty]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is neither a capture .* nor a \/proc tree/);
  });

  function archive(name: string, bytes: Buffer): string {
    const file = path.join(base, name);
    fs.writeFileSync(file, bytes);
    return file;
  }

  const good = () =>
    writeTar([
      { type: "file", path: "manifest.json", data: Buffer.from("{}") },
      { type: "dir", path: "proc" },
      { type: "file", path: "proc/uptime", data: Buffer.from("1.00 1.00\n") },
    ]);

  it("a truncated or tampered tarball is a clear error", async () => {
    const gz = zlib.gzipSync(good());
    const truncated = archive("truncated.tar.gz", gz.subarray(0, gz.length - 20));
    const t = await runCli(["ps", "--root", truncated]);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/is not a readable capture archive: not gzip data or truncated/);
    const tar = good();
    tar[10] = (tar[10] as number) ^ 0x20; // a name byte: the header checksum no longer matches
    const tampered = archive("tampered.tar.gz", zlib.gzipSync(tar));
    const u = await runCli(["ps", "--root", tampered]);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/header checksum mismatch/);
    const cut = archive("cut.tar.gz", zlib.gzipSync(good().subarray(0, 1024 + 512)));
    const v = await runCli(["ps", "--root", cut]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/truncated/);
  });

  it("a gzip bomb is refused once it unpacks past the cap, before anything is written", () => {
    // 64 MiB of zeros gzip to ~64 KiB; with a 1 MiB cap the same check that guards the default 1 GiB stops it.
    const bomb = archive("bomb.tar.gz", zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }));
    expect(fs.statSync(bomb).size).toBeLessThan(256 * 1024);
    const target = fs.mkdtempSync(path.join(base, "bomb-target-"));
    expect(() => extractTarGz(bomb, target, { maxBytes: 1024 * 1024 })).toThrow(
      /is not a readable capture archive: it unpacks to more than 1048576 bytes, .*extract it yourself \(tar -xzf\)/,
    );
    expect(fs.readdirSync(target)).toEqual([]);
    expect(MAX_UNPACKED_BYTES).toBe(1024 ** 3);
    // Under the cap, the same call extracts a well-formed archive.
    extractTarGz(archive("small.tar.gz", zlib.gzipSync(good())), target, { maxBytes: 1024 * 1024 });
    expect(fs.readFileSync(path.join(target, "proc/uptime"), "utf8")).toBe("1.00 1.00\n");
  });

  it("an archive with paths escaping the target or written through a symlink extracts nothing", async () => {
    const outside = path.join(base, "escaped");
    const cases = [
      [{ type: "file" as const, path: `../../../../${outside.slice(1)}`, data: Buffer.from("x") }],
      [{ type: "file" as const, path: outside, data: Buffer.from("x") }],
      [
        { type: "symlink" as const, path: "proc", target: base },
        { type: "file" as const, path: "proc/escaped", data: Buffer.from("x") },
      ],
    ];
    for (const [i, entries] of cases.entries()) {
      const file = archive(`hostile-${i}.tar.gz`, zlib.gzipSync(writeTar(entries)));
      const result = await runCli(["ps", "--root", file]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/outside the target directory|through a symlink/);
      expect(fs.existsSync(outside)).toBe(false);
    }
  });

  it("a tarball that is not a capture", async () => {
    const file = archive("other.tar.gz", zlib.gzipSync(writeTar([{ type: "file", path: "readme", data: Buffer.from("hi") }])));
    const result = await runCli(["ps", "--root", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not a procscope capture/);
  });
});
