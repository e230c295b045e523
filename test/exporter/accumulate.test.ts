import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COUNTERS, type CounterName, createAccumulator, identityKey, type ProcessSample } from "../../src/exporter/accumulate.js";
import { DEFAULT_CONFIG, type ProcessAttributes } from "../../src/exporter/config.js";

function sample(pid: number, start: number, cpu: number, over: Partial<ProcessSample> = {}): ProcessSample {
  const counters = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<CounterName, number | null>;
  counters.cpuUserSeconds = cpu;
  return {
    pid,
    startTimeTicks: start,
    startTimeSeconds: 1000 + start / 100,
    state: "S",
    threads: 1,
    counters,
    rssBytes: 100,
    vszBytes: 1000,
    swapBytes: 0,
    pssBytes: null,
    swapPssBytes: null,
    fdCount: 3,
    fdLimit: 1024,
    deletedOpenBytes: 0,
    listeningSockets: 0,
    blockedTasks: 0,
    ...over,
  };
}

const attrs = (s: ProcessSample, comm = "worker"): [string, ProcessAttributes] => [
  identityKey(s.pid, s.startTimeTicks),
  { pid: s.pid, comm, cmdline: [], user: "root", startTimeSeconds: s.startTimeSeconds },
];

function step(acc: ReturnType<typeof createAccumulator>, samples: ProcessSample[], comm = "worker") {
  const unknown = acc.unknown(samples);
  return acc.update(samples, new Map(unknown.map((s) => attrs(s, comm))));
}

const cpu = (snap: ReturnType<typeof step>, group = "worker") => snap.groups.find((g) => g.name === group)?.counters.cpuUserSeconds;

describe("createAccumulator()", () => {
  it("starts group counters at 0 on the first scrape and adds growth after", () => {
    const acc = createAccumulator({ config: DEFAULT_CONFIG });
    expect(cpu(step(acc, [sample(10, 5, 7)]))).toBe(0);
    expect(cpu(step(acc, [sample(10, 5, 9)]))).toBe(2);
  });

  it("counts a process first seen after the first scrape whole", () => {
    const acc = createAccumulator({ config: DEFAULT_CONFIG });
    step(acc, [sample(10, 5, 7)]);
    expect(cpu(step(acc, [sample(10, 5, 7), sample(11, 50, 3)]))).toBe(3);
  });

  it("keeps an exited member's contribution, and the group with num_procs 0", () => {
    const acc = createAccumulator({ config: DEFAULT_CONFIG });
    step(acc, []);
    step(acc, [sample(10, 5, 4)]);
    const after = step(acc, []);
    expect(cpu(after)).toBe(4);
    expect(after.groups[0]?.numProcs).toBe(0);
    expect(after.groups[0]?.oldestStartTimeSeconds).toBeNull();
  });

  it("never lets a reused PID inherit the old process's counters", () => {
    const acc = createAccumulator({ config: DEFAULT_CONFIG });
    step(acc, []);
    step(acc, [sample(10, 5, 50)]);
    // Same PID, new start time, lower CPU: a different process, counted from its own zero.
    const snap = step(acc, [sample(10, 900, 1)]);
    expect(cpu(snap)).toBe(51);
  });

  it("decides a process's group once (a comm change after exec does not move its counters)", () => {
    const acc = createAccumulator({ config: DEFAULT_CONFIG });
    step(acc, []);
    step(acc, [sample(10, 5, 1)], "before");
    const snap = step(acc, [sample(10, 5, 3)], "after");
    expect(cpu(snap, "before")).toBe(3);
    expect(snap.groups.map((g) => g.name)).toEqual(["before"]);
  });

  it("skips unreadable counters without going back, then resumes from the next reading", () => {
    const acc = createAccumulator({ config: DEFAULT_CONFIG });
    step(acc, []);
    step(acc, [sample(10, 5, 2, { counters: { ...sample(0, 0, 0).counters, cpuUserSeconds: 2, readBytes: 100 } })]);
    const s2 = step(acc, [sample(10, 5, 3, { counters: { ...sample(0, 0, 0).counters, cpuUserSeconds: 3, readBytes: null } })]);
    expect(s2.groups[0]?.counters.readBytes).toBe(100);
    const s3 = step(acc, [sample(10, 5, 4, { counters: { ...sample(0, 0, 0).counters, cpuUserSeconds: 4, readBytes: 150 } })]);
    expect(s3.groups[0]?.counters.readBytes).toBe(150);
  });

  it("group counters never decrease, whatever processes come, go and reuse PIDs", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.record({ pid: fc.integer({ min: 1, max: 5 }), start: fc.integer({ min: 0, max: 3 }), cpu: fc.nat(100) }), {
            maxLength: 6,
          }),
          {
            maxLength: 12,
          },
        ),
        (scrapes) => {
          const acc = createAccumulator({ config: DEFAULT_CONFIG });
          let last = 0;
          for (const scrape of scrapes) {
            const byPid = new Map(scrape.map((p) => [p.pid, p]));
            const snap = step(
              acc,
              [...byPid.values()].map((p) => sample(p.pid, p.start, p.cpu)),
            );
            const now = cpu(snap) ?? 0;
            expect(now).toBeGreaterThanOrEqual(last);
            last = now;
          }
        },
      ),
    );
  });

  it("sums gauges and picks the worst fd ratio and the oldest start", () => {
    const acc = createAccumulator({ config: DEFAULT_CONFIG });
    const snap = step(acc, [sample(1, 10, 0, { fdCount: 900, state: "R" }), sample(2, 5, 0, { threads: 4, state: "Z" })]);
    const g = snap.groups[0];
    expect(g?.numProcs).toBe(2);
    expect(g?.numThreads).toBe(5);
    expect(g?.openFiledesc).toBe(903);
    expect(g?.worstFdRatio).toBeCloseTo(900 / 1024);
    expect(g?.oldestStartTimeSeconds).toBe(1000.05);
    expect(g?.states).toEqual({ Running: 1, Sleeping: 0, Waiting: 0, Zombie: 1, Other: 0 });
  });

  it("caps per-process series and says how many it left out", () => {
    const acc = createAccumulator({ config: DEFAULT_CONFIG, perProcessGroups: ["worker"], maxSeries: 20 });
    const snap = step(
      acc,
      [1, 2, 3, 4].map((pid) => sample(pid, pid, 0)),
    );
    expect(snap.processes.map((p) => p.pid)).toEqual([1, 2]);
    expect(snap.perProcessSeriesDropped).toBe(16);
  });

  it("caps groups and counts the processes it could not place", () => {
    const acc = createAccumulator({ config: DEFAULT_CONFIG, maxGroups: 1 });
    const a = sample(1, 1, 0);
    const b = sample(2, 2, 0);
    const snap = acc.update([a, b], new Map([attrs(a, "one"), attrs(b, "two")]));
    expect(snap.groups.map((g) => g.name)).toEqual(["one"]);
    expect(snap.groupOverflowProcesses).toBe(1);
  });

  it("at the cap, forgets the group empty longest to place a new one, and overflows only when every group has a process", () => {
    const acc = createAccumulator({ config: DEFAULT_CONFIG, maxGroups: 2 });
    const a = sample(1, 1, 0);
    const b = sample(2, 2, 0);
    acc.update([a, b], new Map([attrs(a, "kworker/0:1-events"), attrs(b, "sshd")]));
    // The kworker exits; sshd stays; the next scrape keeps the empty group (an alert may watch it).
    expect(acc.update([b], new Map()).groups.map((g) => [g.name, g.numProcs])).toEqual([
      ["kworker/0:1-events", 0],
      ["sshd", 1],
    ]);
    // A new name arrives: the empty group makes room instead of the newcomer overflowing.
    const c = sample(3, 3, 0);
    const snap = acc.update([b, c], new Map([attrs(c, "postgres")]));
    expect(snap.groups.map((g) => [g.name, g.numProcs])).toEqual([
      ["postgres", 1],
      ["sshd", 1],
    ]);
    expect(snap.groupOverflowProcesses).toBe(0);
    // Both groups have a process: a third name overflows, as before.
    const d = sample(4, 4, 0);
    const full = acc.update([b, c, d], new Map([attrs(d, "nginx")]));
    expect(full.groups.map((g) => g.name)).toEqual(["postgres", "sshd"]);
    expect(full.groupOverflowProcesses).toBe(1);
  });

  it("at the cap, of two empty groups forgets the one empty longer", () => {
    const acc = createAccumulator({ config: DEFAULT_CONFIG, maxGroups: 2 });
    const a = sample(1, 1, 0);
    const b = sample(2, 2, 0);
    acc.update([a, b], new Map([attrs(a, "older"), attrs(b, "newer")]));
    acc.update([b], new Map()); // "older" empty from here
    acc.update([], new Map()); // "newer" empty from here
    const c = sample(3, 3, 0);
    expect(acc.update([c], new Map([attrs(c, "third")])).groups.map((g) => g.name)).toEqual(["newer", "third"]);
  });
});
