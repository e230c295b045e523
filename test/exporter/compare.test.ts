/**
 * Side by side with process-exporter (Debian's prometheus-process-exporter) on the same config and
 * the same live processes. Equal: num_procs, num_threads, open fds, major and minor page faults of
 * idle processes. Within tolerance: resident memory (we report VmRSS as ps does; it reads stat's
 * rss, which the kernel batches per CPU) and CPU seconds (read at different instants). Context
 * switches differ by design (we count main threads, it sums every thread): ours are at most theirs.
 * process-exporter runs with -children=false (it would adopt unmatched children into their
 * parent's group; we do not) and -threads=false (no per-thread series); states differ by design:
 * docs/exporter.md explains each difference.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { parseExposition, type RunningExporterProcess, type Sample, seriesValue, startExporter } from "./_metrics.js";
import { startProcessExporter } from "./_servers.js";
import { installWorker } from "./_worker.js";

let dir: string;
let ours: RunningExporterProcess;
let theirs: { process: LiveProcess; url: string };
const workers: LiveProcess[] = [];

const CONFIG = `process_names:
  - name: "{{.Comm}}"
    comm: [psccmpa]
  - name: "b-{{.ExeBase}}"
    exe: [psccmpb]
`;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-cmp-"));
  const a = installWorker(dir, "psccmpa");
  const b = installWorker(dir, "psccmpb");
  const config = path.join(dir, "config.yml");
  fs.writeFileSync(config, CONFIG);
  ours = await startExporter(["--config", config]);
  theirs = await startProcessExporter(config, ["-threads=false", "-children=false", "-gather-smaps=false"]);
  // Both take their first scrape before the workers start, so both count the workers whole.
  await ours.scrape();
  const theirFirstScrape = Date.now();
  await fetch(theirs.url);
  // process-exporter counts a new process's CPU whole only when its start time (btime, in whole
  // seconds, plus ticks) is after its first scrape; btime's truncation puts start times up to a
  // second early, so wait until a process starting now would be dated after that scrape.
  await waitUntilStartTimesPass(theirFirstScrape);
  workers.push(
    ...(await Promise.all([
      startProcess(a, ["300", "5", "2"], { ready: "burnt" }),
      startProcess(a, ["100", "20", "0"], { ready: "burnt" }),
      startProcess(b, ["200", "1", "3"], { ready: "burnt" }),
    ])),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await theirs?.process.kill("SIGTERM");
  await ours?.process.kill("SIGTERM");
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Resolves once /proc's clock (btime + uptime, as start times are dated) has passed `wallMs`. */
async function waitUntilStartTimesPass(wallMs: number): Promise<void> {
  const btimeMs = Number(/^btime (\d+)$/m.exec(fs.readFileSync("/proc/stat", "utf8"))?.[1]) * 1000;
  for (;;) {
    const uptimeMs = Number(fs.readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 1000;
    if (btimeMs + uptimeMs > wallMs + 20) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function pick(samples: readonly Sample[], prefix: string, group: string) {
  const v = (name: string, labels: Record<string, string> = {}) =>
    seriesValue(samples, `${prefix}${name}`, { groupname: group, ...labels });
  return {
    procs: v("num_procs"),
    threads: v("num_threads"),
    fds: v("open_filedesc"),
    fdRatio: v("worst_fd_ratio"),
    resident: v("memory_bytes", { memtype: "resident" }),
    virtual: v("memory_bytes", { memtype: "virtual" }),
    cpuUser: v("cpu_seconds_total", { mode: "user" }),
    cpuSystem: v("cpu_seconds_total", { mode: "system" }),
    majorFaults: v("major_page_faults_total"),
    minorFaults: v("minor_page_faults_total"),
    voluntary: v("context_switches_total", { ctxswitchtype: "voluntary" }),
    nonvoluntary: v("context_switches_total", { ctxswitchtype: "nonvoluntary" }),
    sleeping: v("states", { state: "Sleeping" }),
    oldest: v("oldest_start_time_seconds"),
  };
}

describe("procscope exporter beside process-exporter", () => {
  // [group, processes, of which multithreaded]
  it.each([
    ["psccmpa", 2, 1],
    ["b-psccmpb", 1, 1],
  ])("group %s: the same counts, memory and CPU within tolerance", async (group, procs, multithreaded) => {
    // Both scraped at once; on a loaded machine a worker's last ticks may reach one reader and not
    // yet the other, so scrape again (up to 10 s) until the CPU counters agree, then check it all.
    const cpuOf = (m: ReturnType<typeof pick>) => (m.cpuUser as number) + (m.cpuSystem as number);
    const deadline = Date.now() + 10_000;
    let o: ReturnType<typeof pick>;
    let t: ReturnType<typeof pick>;
    do {
      const [oursText, theirsText] = await Promise.all([ours.scrape(), fetch(theirs.url).then((r) => r.text())]);
      o = pick(parseExposition(oursText), "procscope_group_", group);
      t = pick(parseExposition(theirsText), "namedprocess_namegroup_", group);
    } while (Math.abs(cpuOf(o) - cpuOf(t)) > 0.02 * procs + 1e-9 && Date.now() < deadline);
    expect(o.procs).toBe(procs);
    expect(t.procs).toBe(procs);
    expect(o.threads).toBe(t.threads);
    expect(o.fds).toBe(t.fds);
    expect(o.fdRatio).toBeCloseTo(t.fdRatio as number, 6);
    expect(o.virtual).toBe(t.virtual);
    expect(o.majorFaults).toBe(t.majorFaults);
    expect(o.minorFaults).toBeGreaterThan(0);
    expect(o.minorFaults).toBe(t.minorFaults);
    // Context switches: our main threads' against its sum over every thread.
    expect(o.voluntary).toBeGreaterThan(0);
    expect(o.voluntary).toBeLessThanOrEqual(t.voluntary as number);
    expect(o.nonvoluntary).toBeLessThanOrEqual(t.nonvoluntary as number);
    // States: we count processes; process-exporter 0.7.10 counts every thread, and the main thread
    // of a multithreaded process twice (its own state plus its task's), whatever -threads says.
    expect(o.sleeping).toBe(procs);
    expect(t.sleeping).toBe((o.threads as number) + multithreaded);
    // Start times: process-exporter keeps whole seconds of boot time plus ticks, as we do.
    expect(Math.abs((o.oldest as number) - (t.oldest as number))).toBeLessThan(1);
    // VmRSS against stat's batched rss: within 10% or 512 KiB per process.
    expect(Math.abs((o.resident as number) - (t.resident as number))).toBeLessThanOrEqual(
      Math.max(0.1 * (t.resident as number), 512 * 1024 * procs),
    );
    // The workers are idle now: CPU differs only by when each read it (a tick per process at most).
    const ourCpu = (o.cpuUser as number) + (o.cpuSystem as number);
    const theirCpu = (t.cpuUser as number) + (t.cpuSystem as number);
    expect(ourCpu).toBeGreaterThan(0.09 * procs);
    expect(Math.abs(ourCpu - theirCpu)).toBeLessThanOrEqual(0.02 * procs + 1e-9);
  });
});
