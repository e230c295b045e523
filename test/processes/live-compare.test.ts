/**
 * Live processes, compared with the reference tools: procps ps and psutil must agree with us on
 * the pid set, ppid, uid, rss and threads, and psutil on cwd, environ and limits.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { THREADED_SLEEPER, ZOMBIE_MAKER } from "../helpers/c-sources.js";
import { runCli } from "../helpers/cli.js";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";

interface Row {
  pid: number;
  ppid: number;
  uid: number | null;
  rssBytes: number;
  threads: number;
  cmdline: string[] | null;
  comm: string;
  startTime: string;
}

let sleeper: LiveProcess;
let workDir: string;

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-cwd-"));
  const binary = compileC("threaded-sleeper", THREADED_SLEEPER, ["-pthread"]);
  sleeper = await startProcess(binary, [workDir], { ready: "ready", env: { PROCSCOPE_TEST_MARK: "hello world", PATH: "/usr/bin:/bin" } });
});

function requireTool(command: string, pkg: string): void {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "pipe" });
  } catch {
    throw new Error(`${command} is not installed: run \`apt-get install -y ${pkg}\` (scripts/install-test-deps.sh does)`);
  }
}

function procpsRows(): Map<number, { ppid: number; uid: number; rss: number; threads: number }> {
  requireTool("ps", "procps");
  const out = execFileSync("ps", ["-eo", "pid=,ppid=,euid=,rss=,nlwp="], { encoding: "utf8" });
  const rows = new Map<number, { ppid: number; uid: number; rss: number; threads: number }>();
  for (const line of out.trim().split("\n")) {
    const [pid, ppid, uid, rss, threads] = line.trim().split(/\s+/).map(Number) as [number, number, number, number, number];
    rows.set(pid, { ppid, uid, rss: rss * 1024, threads });
  }
  return rows;
}

/** Debian's python3 (python3-psutil is installed for it, not for a pyenv python on PATH). */
const PYTHON = "/usr/bin/python3";

function psutil(pid: number): Record<string, unknown> {
  if (!fs.existsSync(PYTHON)) throw new Error("python3 is not installed: run `apt-get install -y python3 python3-psutil`");
  const script = `
import json, sys
try:
    import psutil
except ImportError:
    sys.exit("python3-psutil is not installed: apt-get install -y python3-psutil")
p = psutil.Process(${pid})
def get(f):
    try:
        return f()
    except (psutil.Error, OSError) as e:
        return "error: %s" % type(e).__name__
print(json.dumps({"ppid": get(p.ppid), "uids": get(lambda: list(p.uids())), "rss": get(lambda: p.memory_info().rss),
  "threads": get(p.num_threads), "cwd": get(p.cwd), "environ": get(p.environ),
  "nofile": get(lambda: list(p.rlimit(psutil.RLIMIT_NOFILE))), "cmdline": get(p.cmdline), "exe": get(p.exe),
  "create_time": get(p.create_time), "name": get(p.name), "status": get(p.status)}))
`;
  return JSON.parse(execFileSync(PYTHON, ["-c", script], { encoding: "utf8" }));
}

describe("ps agrees with procps on live processes", () => {
  it("has the same pid set (apart from processes that came or went between the two reads)", async () => {
    const before = procpsRows();
    const ours = JSON.parse((await runCli(["ps", "--json"])).stdout) as Row[];
    const after = procpsRows();
    const stable = [...before.keys()].filter((pid) => after.has(pid));
    const oursPids = new Set(ours.map((r) => r.pid));
    // Every process present both before and after our listing must be in it.
    expect(stable.filter((pid) => !oursPids.has(pid))).toEqual([]);
    // Everything we listed existed in one of procps's snapshots (or was short-lived in between).
    const unknown = ours.filter((r) => !before.has(r.pid) && !after.has(r.pid));
    expect(unknown.length).toBeLessThan(ours.length / 4);
  });

  it("reports the same ppid, uid, rss and threads for a known process", async () => {
    const theirs = procpsRows().get(sleeper.pid);
    const [ours] = JSON.parse((await runCli(["ps", "--json", "--pid", String(sleeper.pid)])).stdout) as Row[];
    expect(ours).toBeDefined();
    expect(theirs).toBeDefined();
    expect(ours?.ppid).toBe(theirs?.ppid);
    expect(ours?.uid).toBe(theirs?.uid);
    expect(ours?.rssBytes).toBe(theirs?.rss);
    expect(ours?.threads).toBe(4);
    expect(ours?.threads).toBe(theirs?.threads);
    expect(ours?.rssBytes).toBeGreaterThan(8 << 20);
  });

  it("agrees on ppid, uid and threads for every process both saw", async () => {
    const theirs = procpsRows();
    const ours = JSON.parse((await runCli(["ps", "--json"])).stdout) as Row[];
    let compared = 0;
    for (const row of ours) {
      const other = theirs.get(row.pid);
      if (!other) continue;
      compared++;
      expect(row.ppid, `ppid of ${row.pid}`).toBe(other.ppid);
      expect(row.uid, `uid of ${row.pid}`).toBe(other.uid);
    }
    expect(compared).toBeGreaterThan(10);
  });
});

/** Runs with real uid 1234 and effective uid 65534, and is not dumpable: its files belong to root. */
const OTHER_USER_NOT_DUMPABLE = String.raw`
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(void) {
  if (setresgid(65534, 65534, 65534) != 0 || setresuid(1234, 65534, 0) != 0) { perror("setresuid"); return 1; }
  if (prctl(PR_SET_DUMPABLE, 0) != 0) { perror("prctl"); return 1; }
  puts("ready");
  fflush(stdout);
  pause();
}
`;

describe("uid", () => {
  it("is the effective uid of a process that is not dumpable, whose files the kernel gives to root", async () => {
    if (process.getuid?.() !== 0) throw new Error("this test changes a child's uids: run it as root");
    const binary = compileC("other-user-not-dumpable", OTHER_USER_NOT_DUMPABLE);
    const child = await startProcess(binary, [], { ready: "ready" });
    // What makes the case: the process's files are root's, not its user's.
    expect(fs.statSync(`/proc/${child.pid}/status`).uid).toBe(0);
    expect(procpsRows().get(child.pid)?.uid).toBe(65534);
    // One process (read directly) and the whole listing (read ahead on the helper's threads).
    const [one] = JSON.parse((await runCli(["ps", "--json", "--pid", String(child.pid)])).stdout) as Row[];
    const all = JSON.parse((await runCli(["ps", "--json"])).stdout) as Row[];
    expect(one?.uid).toBe(65534);
    expect(all.find((r) => r.pid === child.pid)?.uid).toBe(65534);
    await child.kill();
  });
});

describe("show agrees with psutil", () => {
  it("on ppid, uids, rss, threads, cwd, environ, limits, argv, exe and start time", async () => {
    const expected = psutil(sleeper.pid);
    const result = await runCli(["show", String(sleeper.pid), "--json"]);
    expect(result.stderr).toBe("");
    const d = JSON.parse(result.stdout);
    expect(d.ppid).toBe(expected.ppid);
    expect([d.status.uids.real, d.status.uids.effective, d.status.uids.saved]).toEqual(expected.uids);
    expect(d.rssBytes).toBe(expected.rss);
    expect(d.threads).toBe(expected.threads);
    expect(d.cwd).toBe(expected.cwd);
    expect(d.cwd).toBe(workDir);
    expect(d.environ).toEqual(expected.environ);
    expect(d.environ.PROCSCOPE_TEST_MARK).toBe("hello world");
    const nofile = d.limits.find((l: { resource: string }) => l.resource === "RLIMIT_NOFILE");
    expect([nofile.soft, nofile.hard]).toEqual(expected.nofile);
    expect([nofile.soft, nofile.hard]).toEqual([123, 456]);
    expect(d.cmdline).toEqual(expected.cmdline);
    expect(d.exe).toBe(expected.exe);
    // comm is cut to 15 bytes by the kernel; psutil's name() restores it from argv.
    expect(d.comm).toBe((expected.name as string).slice(0, 15));
    // psutil computes create_time from btime + starttime ticks, as we do.
    expect(Math.abs(Date.parse(d.startTime) / 1000 - (expected.create_time as number))).toBeLessThan(0.02);
  });

  it("reports a zombie's state and no exe, as psutil does", async () => {
    const parent = await startProcess(compileC("zombie-maker", ZOMBIE_MAKER), [], { ready: "ready" });
    const pid = Number(/ready (\d+)/.exec(parent.output())?.[1]);
    const rows = JSON.parse((await runCli(["ps", "--json", "--pid", String(pid)])).stdout) as (Row & { state: string })[];
    expect(rows[0]?.ppid).toBe(parent.pid);
    expect(rows[0]?.state).toBe("Z");
    expect(psutil(pid).status).toBe("zombie");
    const result = await runCli(["show", String(pid), "--json"]);
    expect(result.code).toBe(0);
    const d = JSON.parse(result.stdout);
    expect(d.state).toBe("Z");
    expect(d.exe).toBeNull();
    expect(d.errors.exe).toMatch(/zombie/);
    await parent.kill();
  });
});

describe("tree on live processes", () => {
  it("puts a child under its parent", async () => {
    const parent = await startProcess("sh", ["-c", "sleep 30 & echo started; wait"], { ready: "started" });
    const result = await runCli(["tree", String(parent.pid), "--json"]);
    const forest = JSON.parse(result.stdout) as { pid: number; children: { comm: string }[] }[];
    expect(forest).toHaveLength(1);
    const node = forest[0] as (typeof forest)[number];
    expect(node.pid).toBe(parent.pid);
    expect(node.children.map((c) => c.comm)).toContain("sleep");
    await parent.kill();
  });
});
