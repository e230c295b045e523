import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { createSampler, sampleOnce } from "../../src/live/sampler.js";
import { createProcessContext } from "../../src/processes/context.js";
import { runCli } from "../helpers/cli.js";
import { startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";

const BUSY = `#include <stdio.h>
int main(void) { puts("ready"); fflush(stdout); volatile unsigned long n = 0; for (;;) n++; }
`;
const IDLE = `#include <stdio.h>
#include <unistd.h>
int main(void) { puts("ready"); fflush(stdout); for (;;) pause(); }
`;

/** Waits on stdin: "grow" touches 64 MiB more, "burn" spins for 0.3 s of CPU; each answers when done. */
const ON_COMMAND = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
int main(void) {
  char line[64];
  puts("ready"); fflush(stdout);
  while (fgets(line, sizeof line, stdin)) {
    if (strncmp(line, "grow", 4) == 0) { char *p = malloc(64 << 20); memset(p, 1, 64 << 20); puts("grown"); }
    if (strncmp(line, "burn", 4) == 0) { clock_t end = clock() + CLOCKS_PER_SEC * 3 / 10; volatile unsigned long n = 0; while (clock() < end) n++; puts("burned"); }
    fflush(stdout);
  }
  return 0;
}
`;

describe("createSampler()", () => {
  it("gives a busy process high CPU% and an idle one zero over the same interval", async () => {
    const busy = await startProcess(compileC("live-busy", BUSY), [], { ready: "ready" });
    const idle = await startProcess(compileC("live-idle", IDLE), [], { ready: "ready" });
    const context = createProcessContext(openProcFs());
    const snapshot = await sampleOnce(context, 1000);
    const b = snapshot.processes.find((p) => p.pid === busy.pid);
    const i = snapshot.processes.find((p) => p.pid === idle.pid);
    expect(b?.comm).toMatch(/^live-busy/);
    expect(i?.comm).toMatch(/^live-idle/);
    // The machine may be shared by other tests: the busy loop gets at least a fair slice.
    expect(b?.recentCpuPercent).toBeGreaterThan(10);
    expect(b?.recentCpuPercent).toBeLessThanOrEqual(110);
    expect(i?.recentCpuPercent).toBe(0);
    expect(snapshot.intervalMs).toBeGreaterThanOrEqual(1000);
    // Per-CPU and total usage over the interval.
    expect(snapshot.cpus.length).toBe(snapshot.cpuCount);
    expect(snapshot.cpu?.busyPercent).toBeGreaterThan(0);
    const total = snapshot.processes.reduce((sum, p) => sum + (p.recentCpuPercent ?? 0), 0);
    expect(total).toBeLessThanOrEqual(snapshot.cpuCount * 100 * 1.2);
    expect(snapshot.memory?.totalBytes).toBeGreaterThan(0);
    expect(snapshot.memory?.usedBytes).toBeLessThanOrEqual(snapshot.memory?.totalBytes ?? 0);
    await busy.kill();
    await idle.kill();
  });

  it("has no rates on the first sample, and keeps the same identity across samples", async () => {
    const idle = await startProcess(compileC("live-idle", IDLE), [], { ready: "ready" });
    const context = createProcessContext(openProcFs());
    const sampler = createSampler(context);
    const first = sampler.sample();
    const p1 = first.processes.find((p) => p.pid === idle.pid);
    expect(p1?.recentCpuPercent).toBeNull();
    expect(p1?.errors.recentCpuPercent).toMatch(/interval/);
    expect(first.cpu).toBeNull();
    const second = sampler.sample();
    const p2 = second.processes.find((p) => p.pid === idle.pid);
    expect(p2?.startTimeTicks).toBe(p1?.startTimeTicks);
    expect(p2?.recentCpuPercent).toBe(0);
    expect(p2?.cmdline).toEqual([expect.stringMatching(/live-idle/)]);
    await idle.kill();
  });

  it("keeps an idle process's row while its files read the same, and reads it anew when its memory or CPU time changes", async () => {
    const helper = await startProcess(compileC("live-on-command", ON_COMMAND), [], { ready: "ready" });
    const sampler = createSampler(createProcessContext(openProcFs()), { io: true });
    const rowOf = (snapshot: ReturnType<typeof sampler.sample>) => snapshot.processes.find((p) => p.pid === helper.pid);
    sampler.sample();
    // Blocked on stdin, nothing in its stat, status or io moves: once its lifetime CPU% (which
    // moves while it is young) reads the same twice, the row is the same, not one read anew.
    let again = rowOf(sampler.sample());
    let kept = false;
    for (let i = 0; i < 50 && !kept; i++) {
      const row = rowOf(sampler.sample());
      kept = row === again;
      again = row;
    }
    expect(kept).toBe(true);
    expect(again?.recentCpuPercent).toBe(0);

    helper.child.stdin?.write("grow\n");
    await helper.waitFor("grown");
    const grown = rowOf(sampler.sample());
    expect(grown).not.toBe(again);
    expect(grown?.rssBytes).toBeGreaterThanOrEqual((again?.rssBytes ?? 0) + 60 * 2 ** 20);
    expect(grown?.rssBytes).toBe(Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${helper.pid}/status`, "utf8"))?.[1]) * 1024);

    helper.child.stdin?.write("burn\n");
    await helper.waitFor("burned");
    const burned = rowOf(sampler.sample());
    expect(burned?.cpuSeconds).toBeGreaterThan(grown?.cpuSeconds ?? 0);
    expect(burned?.recentCpuPercent).toBeGreaterThan(0);
    // Idle again: CPU% over the next interval is back to 0 (its lifetime CPU% still moves).
    const idleAgain = rowOf(sampler.sample());
    expect(idleAgain?.recentCpuPercent).toBe(0);
    expect(idleAgain?.cpuSeconds).toBeGreaterThanOrEqual(burned?.cpuSeconds ?? 0);
    await helper.kill();
  });

  it("reads I/O rates from PID/io when asked", async () => {
    const writer = await startProcess(
      "sh",
      ["-c", "echo ready; while :; do dd if=/dev/zero of=/dev/null bs=64k count=64 2>/dev/null; done"],
      { ready: "ready" },
    );
    const context = createProcessContext(openProcFs());
    const snapshot = await sampleOnce(context, 500, { io: true });
    const shell = snapshot.processes.find((p) => p.pid === writer.pid);
    expect(shell?.readBytesPerSecond).not.toBeUndefined();
    expect(typeof shell?.readBytesPerSecond).toBe("number");
    await writer.kill();
  });
});

describe("top --once --json", () => {
  it("prints one snapshot whose processes carry CPU% over the interval", async () => {
    const busy = await startProcess(compileC("live-busy", BUSY), [], { ready: "ready" });
    const result = await runCli(["top", "--once", "--json", "--interval", "600"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc.intervalMs).toBeGreaterThanOrEqual(600);
    expect(doc.cpus.length).toBe(doc.cpuCount);
    const row = doc.processes.find((p: { pid: number }) => p.pid === busy.pid);
    expect(row.recentCpuPercent).toBeGreaterThan(10);
    expect(row.startTimeTicks).toBeGreaterThan(0);
    expect(row.exe).toMatch(/live-busy/);
    expect(row.user).toBe("root");
    // Sorted by CPU, descending.
    const cpus = doc.processes.map((p: { recentCpuPercent: number | null }) => p.recentCpuPercent ?? -1);
    expect([...cpus].sort((a, b) => b - a)).toEqual(cpus);
    await busy.kill();
  });

  it("gives the same rssBytes as ps --json for the same idle process (one reader, one meaning)", async () => {
    const idle = await startProcess(compileC("live-idle", IDLE), [], { ready: "ready" });
    const top = await runCli(["top", "--once", "--json", "--interval", "100"]);
    const ps = await runCli(["ps", "--json", "--pid", String(idle.pid)]);
    const fromTop = JSON.parse(top.stdout).processes.find((p: { pid: number }) => p.pid === idle.pid);
    const fromPs = JSON.parse(ps.stdout)[0];
    const vmRss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${idle.pid}/status`, "utf8"))?.[1];
    expect(fromTop.rssBytes).toBeGreaterThan(0);
    expect(fromTop.rssBytes).toBe(fromPs.rssBytes);
    expect(fromPs.rssBytes).toBe(Number(vmRss) * 1024);
    await idle.kill();
  });

  it("filters and limits the text table", async () => {
    const idle = await startProcess(compileC("live-idle", IDLE), [], { ready: "ready" });
    const result = await runCli(["top", "--once", "--interval", "100", "--filter", String(idle.pid), "--sort", "pid"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Tasks: \d+ total/);
    expect(result.stdout).toMatch(/Load average: [\d.]+ [\d.]+ [\d.]+/);
    const rows = result.stdout.split("\n").filter((l) => /^\s*\d+ /.test(l));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(new RegExp(`^\\s*${idle.pid} .*live-idle`));
    await idle.kill();
  });
});

describe("top and watch bad input", () => {
  it.each([
    [["top", "--once", "--interval", "0"], /--interval must be a positive number/],
    [["top", "--once", "--interval=-5"], /--interval must be a positive number/],
    [["top", "--once", "--interval", "soon"], /--interval must be a positive number/],
    [["top", "--once", "--sort", "bogus"], /--sort must be one of/],
    [["top", "--once", "--limit", "0"], /--limit must be a positive whole number/],
    [["watch", "--interval", "0"], /--interval must be a positive number/],
    [["top"], /stdout is not one: use `procscope top --once`/],
    [["top", "--json"], /--json needs --once/],
  ])("%j fails with a usage error", async (argv, message) => {
    const result = await runCli(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.split("\n")[0]).toMatch(/^procscope: /);
    expect(result.stdout).toBe("");
  });
});
