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
import { writeTar } from "../../src/capture/tar.js";
import { exeOf, randomAwsKey, waitUntil } from "../audit/_helpers.js";
import { runCli } from "../helpers/cli.js";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";

const base = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-capture-"));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

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

describe("capture, then --root", () => {
  let steady: LiveProcess;
  let secretHolder: LiveProcess;
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
    const pid = String(steady.pid);
    const captured = await runCli(["capture", "-o", dir]);
    expect(captured.code, captured.stderr).toBe(0);
    expect(captured.stdout).toMatch(/^captured \d+ processes/);
    // The live outputs right after the capture: these processes are asleep and unchanged.
    live.ps = await json(["ps", "--pid", `${pid},${secretHolder.pid}`]);
    live.show = await json(["show", pid]);
    live.fds = await json(["fds", pid]);
    live.maps = await json(["maps", pid]);
    const packed = await runCli(["capture", "-o", tarball]);
    expect(packed.code, packed.stderr).toBe(0);
  }, 120_000);

  it("ps, show, fds and maps --root DIR equal the live output of processes that did not change", async () => {
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
  });

  it("a .tar.gz capture reads back like a directory", async () => {
    const pid = String(steady.pid);
    expect(withoutStat(await json(["fds", pid, "--root", tarball]))).toEqual(withoutStat(live.fds));
    expect(await json(["maps", pid, "--root", tarball])).toEqual(live.maps);
    expect(withoutLifetimeCpu(await json(["ps", "--pid", pid, "--root", tarball]))).toEqual(
      withoutLifetimeCpu((live.ps as { pid: number }[]).filter((p) => p.pid === steady.pid)),
    );
  });

  it("writes a manifest and never mem or pagemap; stores environ redacted, and audit --root still names the secret", async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ format: "procscope-capture/1", environRedacted: true, kallsyms: false, kernel: os.release() });
    expect(manifest.processes).toBeGreaterThan(5);
    expect(Array.isArray(manifest.exited)).toBe(true);
    expect(fs.existsSync(path.join(dir, "proc", String(steady.pid), "mem"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "proc", String(steady.pid), "pagemap"))).toBe(false);
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

  it('a capture missing some files gives those fields null with the reason "not captured"', async () => {
    const copy = path.join(base, "partial");
    fs.cpSync(dir, copy, { recursive: true, verbatimSymlinks: true });
    fs.rmSync(path.join(copy, "proc", String(steady.pid), "io"));
    fs.rmSync(path.join(copy, "proc", String(steady.pid), "limits"));
    const show = (await json(["show", String(steady.pid), "--root", copy])) as {
      io: unknown;
      limits: unknown;
      errors: Record<string, string>;
    };
    expect(show.io).toBeNull();
    expect(show.limits).toBeNull();
    expect(show.errors.io).toMatch(/io" does not exist: not captured/);
    expect(show.errors.limits).toMatch(/not captured/);
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
