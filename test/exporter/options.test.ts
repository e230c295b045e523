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
  it("reads proportional memory within the budget, resuming where it stopped", () => {
    // A clock that advances 10 ms each time it is read: a budget of 10×N ms allows about N reads,
    // here a quarter of the processes per scrape.
    const quarter = Math.ceil(openProcFs().listPids().length / 4);
    let clock = 0;
    const exporter = createExporter(createProcessContext(openProcFs()), {
      config,
      smaps: true,
      smapsBudgetMs: 10 * quarter,
      now: () => (clock += 10),
    });
    const first = exporter.collect();
    expect(first.smapsStaleProcesses).toBeGreaterThan(first.host.processes - quarter - 1);
    expect(first.smapsStaleProcesses).toBeGreaterThan(0);
    // Enough scrapes for the rounds to pass over every process at least once.
    let last = first;
    for (let i = 0; i < 6; i++) last = exporter.collect();
    const group = last.snapshot.groups.find((g) => g.name === "opt");
    expect(group?.memory.proportionalResident).toBeGreaterThan(0);
    const text = renderExposition(last, false);
    expect(text).toMatch(/^procscope_smaps_stale_processes \d+$/m);
    expect(text).toContain('procscope_group_memory_bytes{groupname="opt",memtype="proportionalResident"}');
  });

  it("with time to spare, reads every process each scrape", () => {
    const exporter = createExporter(createProcessContext(openProcFs()), { config, smaps: true, smapsBudgetMs: 60_000 });
    const e = exporter.collect();
    expect(e.smapsStaleProcesses).toBe(0);
    expect(e.snapshot.groups.find((g) => g.name === "opt")?.memory.proportionalResident).toBeGreaterThan(0);
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
