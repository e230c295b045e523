import { describe, expect, it } from "vitest";
import { cpuUsage, identityKey, type PreviousSample, rateOf, type TickRecord } from "../../src/live/rates.js";

const HZ = 100;

function previous(records: TickRecord[], uptimeSeconds: number): PreviousSample {
  return { records: new Map(records.map((r) => [identityKey(r.pid, r.startTimeTicks), r])), uptimeSeconds };
}

function rec(pid: number, startTimeTicks: number, cpuTicks: number, io: [number, number] | null = null): TickRecord {
  return { pid, startTimeTicks, cpuTicks, readBytes: io?.[0] ?? null, writeBytes: io?.[1] ?? null };
}

describe("rateOf()", () => {
  it("computes CPU% of one CPU from the tick delta over the interval", () => {
    const before = previous([rec(42, 500, 1000)], 100);
    expect(rateOf(rec(42, 500, 1050), before, 1, HZ).cpuPercent).toBe(50);
    expect(rateOf(rec(42, 500, 1200), before, 1, HZ).cpuPercent).toBe(200);
    expect(rateOf(rec(42, 500, 1000), before, 2, HZ).cpuPercent).toBe(0);
  });

  it("does not let a reused PID inherit the previous process's ticks", () => {
    // PID 42 belonged to a process started at tick 500 with 100 s of CPU; now a new process
    // (started at tick 10_050, after the previous sample at uptime 100 s) has the PID.
    const before = previous([rec(42, 500, 10_000)], 100);
    const reused = rateOf(rec(42, 10_050, 30), before, 1, HZ);
    expect(reused.cpuPercent).toBe(30);
    expect(reused.reason).toBeNull();
  });

  it("gives no rate to a process that started before the previous sample but was not in it", () => {
    const before = previous([rec(1, 1, 5)], 100);
    const missed = rateOf(rec(42, 2000, 500), before, 1, HZ);
    expect(missed.cpuPercent).toBeNull();
    expect(missed.reason).toMatch(/not seen/);
  });

  it("has no rates on a first sample", () => {
    const first = rateOf(rec(42, 500, 1000, [10, 10]), null, 0, HZ);
    expect(first.cpuPercent).toBeNull();
    expect(first.readBytesPerSecond).toBeNull();
    expect(first.reason).toMatch(/interval/);
  });

  it("turns I/O counter deltas into bytes per second, null when unreadable", () => {
    const before = previous([rec(7, 9, 0, [1000, 0])], 50);
    const now = rateOf(rec(7, 9, 0, [5000, 8192]), before, 2, HZ);
    expect(now.readBytesPerSecond).toBe(2000);
    expect(now.writeBytesPerSecond).toBe(4096);
    expect(rateOf(rec(7, 9, 0), before, 2, HZ).readBytesPerSecond).toBeNull();
  });
});

describe("cpuUsage()", () => {
  it("splits the interval into user, system, idle and busy percentages", () => {
    const a = { user: 100, nice: 0, system: 50, idle: 850, iowait: 0, steal: 0 };
    const b = { user: 130, nice: 10, system: 60, idle: 900, iowait: 0, steal: 0 };
    const usage = cpuUsage(0, a, b);
    expect(usage.userPercent).toBe(30);
    expect(usage.nicePercent).toBe(10);
    expect(usage.systemPercent).toBe(10);
    expect(usage.idlePercent).toBe(50);
    expect(usage.busyPercent).toBe(50);
  });

  it("treats counters that went backwards (a CPU offlined and back) as zero, not negative", () => {
    const a = { user: 500, nice: 0, system: 50, idle: 850, iowait: 3, steal: 0 };
    const b = { user: 10, nice: 0, system: 60, idle: 860, iowait: 3, steal: 0 };
    const usage = cpuUsage(1, a, b);
    expect(usage.userPercent).toBe(0);
    expect(usage.busyPercent).toBe(50);
  });
});
