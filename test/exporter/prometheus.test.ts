/**
 * A real Prometheus (Debian's binary, its own port and storage) scrapes the exporter every second;
 * PromQL through its HTTP API sees the group the test starts, and its CPU counter rise.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProcess } from "../helpers/live.js";
import { type RunningExporterProcess, startExporter } from "./_metrics.js";
import { pollUntil, type RunningPrometheus, startPrometheus } from "./_servers.js";
import { installWorker } from "./_worker.js";

let dir: string;
let worker: string;
let exporter: RunningExporterProcess;
let prometheus: RunningPrometheus;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-prom-"));
  worker = installWorker(dir, "pscpromw");
  const config = path.join(dir, "exporter.yml");
  fs.writeFileSync(config, "process_names:\n  - name: workers\n    comm: [pscpromw]\n");
  exporter = await startExporter(["--config", config]);
  prometheus = await startPrometheus(dir, new URL(exporter.url).host);
});

afterAll(async () => {
  await prometheus?.process.kill("SIGTERM");
  await exporter?.process.kill("SIGTERM");
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("procscope exporter scraped by Prometheus", () => {
  it("is a healthy target, and PromQL returns the group's num_procs and a rising CPU counter", async () => {
    const workers = await Promise.all([0, 1, 2].map(() => startProcess(worker, ["0"], { ready: "burnt" })));
    const procs = await pollUntil("num_procs == 3 in Prometheus", async () => {
      const r = await prometheus.query('procscope_group_num_procs{groupname="workers"}');
      return r[0]?.value[1] === "3" ? r : undefined;
    });
    expect(procs).toHaveLength(1);
    const targets = (await (await fetch(`${prometheus.url}/api/v1/targets`)).json()) as {
      data: { activeTargets: { health: string; lastError: string }[] };
    };
    expect(targets.data.activeTargets.map((t) => [t.health, t.lastError])).toEqual([["up", ""]]);

    const cpuQuery = 'sum(procscope_group_cpu_seconds_total{groupname="workers"})';
    const cpuOf = async () => Number((await prometheus.query(cpuQuery))[0]?.value[1] ?? Number.NaN);
    const before = await cpuOf();
    expect(before).toBeGreaterThanOrEqual(0);
    const burner = await startProcess(worker, ["1000"]);
    await burner.waitFor("burnt", 30_000);
    // One second of CPU, less a tick of rounding, seen through Prometheus.
    const after = await pollUntil("the CPU counter to rise by ~1 s", async () => {
      const now = await cpuOf();
      return now - before >= 0.98 ? now : undefined;
    });
    expect(after - before).toBeLessThan(1.5);
    await Promise.all([...workers, burner].map((w) => w.kill()));
    const gone = await pollUntil("num_procs == 0 in Prometheus", async () => {
      const r = await prometheus.query('procscope_group_num_procs{groupname="workers"}');
      return r[0]?.value[1] === "0" ? r : undefined;
    });
    expect(gone).toHaveLength(1);
    // The counter kept the exited processes' CPU.
    expect(await cpuOf()).toBeGreaterThanOrEqual(after);
  }, 90_000);
});
