/** --smaps with its time budget, and --per-process with its series cap, on live processes. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { parseExporterConfig } from "../../src/exporter/config.js";
import { renderExposition } from "../../src/exporter/render.js";
import { createExporter } from "../../src/exporter/scrape.js";
import { createProcessContext } from "../../src/processes/context.js";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { waitUntil } from "../helpers/wait.js";
import { parseExposition, seriesValue } from "./_metrics.js";
import { installWorker } from "./_worker.js";

let dir: string;
const workers: LiveProcess[] = [];
const config = parseExporterConfig("process_names:\n  - name: opt\n    comm: [pscoptw]\n");

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-opt-"));
  const worker = installWorker(dir, "pscoptw");
  workers.push(...(await Promise.all([0, 1, 2, 3].map(() => startProcess(worker, ["0"], { ready: "burnt" })))));
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("--smaps", () => {
  it("reads proportional memory after each scrape, within the budget, resuming where it stopped", async () => {
    // A clock that advances 10 ms each time it is read: a budget of 10×N ms allows about N reads,
    // here a quarter of the processes per round.
    const quarter = Math.ceil(openProcFs().listPids().length / 4);
    let clock = 0;
    const exporter = createExporter(createProcessContext(openProcFs()), {
      config,
      smaps: true,
      smapsBudgetMs: 10 * quarter,
      now: () => (clock += 10),
    });
    // The first scrape has nothing read yet: every process is stale, no proportional series.
    const first = exporter.collect();
    expect(first.smapsStaleProcesses).toBe(first.host.processes);
    expect(renderExposition(first, false)).not.toContain("proportionalResident");
    await exporter.settled();
    const second = exporter.collect();
    expect(second.smapsStaleProcesses).toBeGreaterThan(second.host.processes - quarter - 3);
    expect(second.smapsStaleProcesses).toBeGreaterThan(0);
    // Enough rounds to pass over every process at least once.
    let last = second;
    for (let i = 0; i < 6; i++) {
      await exporter.settled();
      last = exporter.collect();
    }
    const group = last.snapshot.groups.find((g) => g.name === "opt");
    expect(group?.memory.proportionalResident).toBeGreaterThan(0);
    const text = renderExposition(last, false);
    expect(text).toMatch(/^procscope_smaps_stale_processes \d+$/m);
    expect(text).toContain('procscope_group_memory_bytes{groupname="opt",memtype="proportionalResident"}');
    await exporter.settled();
  });

  it("with time to spare, the scrape after a round has every process", async () => {
    // The workers and this process only: other test files start and stop processes meanwhile, and
    // one started between the two scrapes would not have been in the round.
    const procFs = openProcFs();
    const fixed = [process.pid, ...workers.map((w) => w.pid)].sort((a, b) => a - b);
    const only = new Proxy(procFs, {
      get(target, property, receiver) {
        if (property === "listPids") return () => fixed;
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const exporter = createExporter(createProcessContext(only), { config, smaps: true, smapsBudgetMs: 60_000 });
    exporter.collect();
    await exporter.settled();
    const e = exporter.collect();
    expect(e.host.processes).toBe(5);
    expect(e.smapsStaleProcesses).toBe(0);
    expect(e.snapshot.groups.find((g) => g.name === "opt")?.memory.proportionalResident).toBeGreaterThan(0);
    await exporter.settled();
  });

  it("never reads smaps_rollup in a scrape: a read the kernel takes long over holds up later values, not scrapes", async () => {
    // The ProcFs hands out smaps_rollup reads that finish only when the test says: one stands for a
    // 200 GB process whose page tables take the kernel seconds to walk.
    const procFs = openProcFs();
    const pending: { pid: number; release: () => void }[] = [];
    const slow = new Proxy(procFs, {
      get(target, property, receiver) {
        if (property === "readTextAsync")
          return async (relPath: string) => {
            const pid = Number(relPath.split("/")[0]);
            if (relPath.endsWith("/smaps_rollup")) await new Promise<void>((release) => pending.push({ pid, release }));
            return target.readTextAsync(relPath);
          };
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const exporter = createExporter(createProcessContext(slow), { config, smaps: true, smapsBudgetMs: 60_000 });
    exporter.collect();
    await waitUntil("the round's first read", () => pending.length === 1);
    // While that read hangs, scrapes answer, and start no second round beside it.
    for (let i = 0; i < 3; i++) {
      const e = exporter.collect();
      expect(e.smapsStaleProcesses).toBe(e.host.processes);
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(pending).toHaveLength(1);
    // Released, the round goes on to the other processes, one read at a time.
    (pending.shift() as { release: () => void }).release();
    await waitUntil("the next read", () => pending.length === 1);
    // Let the rest of the round through, and the round the next scrape starts.
    const drain = setInterval(() => pending.shift()?.release(), 1);
    try {
      await exporter.settled();
      const e = exporter.collect();
      expect(e.snapshot.groups.find((g) => g.name === "opt")?.memory.proportionalResident).toBeGreaterThan(0);
      await exporter.settled();
    } finally {
      clearInterval(drain);
    }
  });
});

describe("--per-process", () => {
  it("exports each process of the group up to the cap, and says how many series it left out", () => {
    const exporter = createExporter(createProcessContext(openProcFs()), { config, perProcessGroups: ["opt"], maxSeries: 20 });
    const samples = parseExposition(exporter.scrape(false));
    const pids = new Set(samples.filter((s) => s.name === "procscope_process_num_threads").map((s) => s.labels.pid));
    // 8 series per process: two processes fit in 20.
    expect(pids.size).toBe(2);
    for (const pid of pids) expect(workers.map((w) => String(w.pid))).toContain(pid);
    expect(seriesValue(samples, "procscope_per_process_series_dropped")).toBe(16);
    expect(seriesValue(samples, "procscope_per_process_series_limit")).toBe(20);
    const cpu = samples.filter((s) => s.name === "procscope_process_cpu_seconds_total");
    expect(cpu).toHaveLength(4);
  });
});
