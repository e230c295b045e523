import { describe, expect, it } from "vitest";
import { createAccumulator } from "../../src/exporter/accumulate.js";
import { DEFAULT_CONFIG } from "../../src/exporter/config.js";
import { type Exposition, escapeLabelValue, METRIC_FAMILIES, renderExposition, wantsOpenMetrics } from "../../src/exporter/render.js";
import { parseExposition } from "./_metrics.js";

function exposition(): Exposition {
  const acc = createAccumulator({ config: DEFAULT_CONFIG });
  const snapshot = acc.update([], new Map());
  return {
    snapshot: {
      ...snapshot,
      groups: [
        {
          name: 'we"ird\\name\n',
          numProcs: 1,
          counters: {
            cpuUserSeconds: 1.5,
            cpuSystemSeconds: 0.25,
            childrenCpuUserSeconds: 0,
            childrenCpuSystemSeconds: 0,
            readBytes: 4096,
            writeBytes: 0,
            majorFaults: 1,
            minorFaults: 2,
            voluntaryCtxSwitches: 3,
            nonvoluntaryCtxSwitches: 4,
          },
          memory: { resident: 1, virtual: 2, swapped: 3, proportionalResident: 4, proportionalSwapped: 5 },
          numThreads: 1,
          openFiledesc: 3,
          worstFdRatio: 0.5,
          oldestStartTimeSeconds: 1700000000.5,
          states: { Running: 1, Sleeping: 0, Waiting: 0, Zombie: 0, Other: 0 },
          deletedOpenBytes: 0,
          blockedTasks: 0,
          listeningSockets: 0,
        },
      ],
    },
    host: { processes: 1, threads: 1, zombies: 0, blockedTasks: 0 },
    scrapeDurationSeconds: 0.01,
    scrapeErrors: { vanished: 2, denied: 0, unreadable: 0 },
    deniedProcesses: 0,
    smaps: false,
    smapsStaleProcesses: 0,
    smapsBudgetSeconds: 0.2,
    maxSeries: 1000,
    self: null,
  };
}

describe("renderExposition()", () => {
  it("declares each family once with its type, and counters end in _total", () => {
    const text = renderExposition(exposition(), false);
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]);
    expect(new Set(types.map((t) => t[0])).size).toBe(types.length);
    for (const [name, kind] of types) {
      expect(METRIC_FAMILIES[name as string]?.kind).toBe(kind);
      expect(kind === "counter").toBe((name as string).endsWith("_total"));
    }
  });

  it("adds the exporter's own process_* and nodejs_heap_* families when it knows itself, leaving out what it could not read", () => {
    expect(renderExposition(exposition(), false)).not.toMatch(/^(process|nodejs)_/m);
    const self = {
      cpuSeconds: 1.25,
      residentBytes: 52_428_800,
      virtualBytes: 1_073_741_824,
      openFds: 21,
      maxFds: null,
      startTimeSeconds: 1_796_312_846.91,
      heap: {
        totalBytes: 9_000_000,
        usedBytes: 7_000_000,
        spaces: [
          { space: "new_space", totalBytes: 2_097_152 },
          { space: "large_object_space", totalBytes: 712_704 },
        ],
      },
    };
    const samples = parseExposition(renderExposition({ ...exposition(), self }, false));
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(value("process_cpu_seconds_total")).toBe(1.25);
    expect(value("process_resident_memory_bytes")).toBe(52_428_800);
    expect(value("process_virtual_memory_bytes")).toBe(1_073_741_824);
    expect(value("process_open_fds")).toBe(21);
    expect(value("process_start_time_seconds")).toBe(1_796_312_846.91);
    expect(samples.some((s) => s.name === "process_max_fds")).toBe(false);
    expect(value("nodejs_heap_size_total_bytes")).toBe(9_000_000);
    expect(value("nodejs_heap_size_used_bytes")).toBe(7_000_000);
    // Space names as prom-client gives them, without "_space".
    expect(value("nodejs_heap_space_size_total_bytes", { space: "new" })).toBe(2_097_152);
    expect(value("nodejs_heap_space_size_total_bytes", { space: "large_object" })).toBe(712_704);
  });

  it("escapes label values", () => {
    const text = renderExposition(exposition(), false);
    expect(text).toContain(`procscope_group_num_procs{groupname="${escapeLabelValue('we"ird\\name\n')}"} 1`);
    expect(parseExposition(text).find((s) => s.name === "procscope_group_num_procs")?.labels.groupname).toBe('we"ird\\name\n');
  });

  it("leaves proportional memory out unless --smaps measures it", () => {
    expect(renderExposition(exposition(), false)).not.toContain("proportionalResident");
    expect(renderExposition({ ...exposition(), smaps: true }, false)).toContain('memtype="proportionalResident"} 4');
  });

  it("speaks OpenMetrics when asked: counter families without _total, samples with, and # EOF", () => {
    const text = renderExposition(exposition(), true);
    expect(text).toContain("# TYPE procscope_group_cpu_seconds counter\n");
    expect(text).toContain('procscope_group_cpu_seconds_total{groupname="we\\"ird\\\\name\\n",mode="user"} 1.5\n');
    expect(text.endsWith("# EOF\n")).toBe(true);
    expect(wantsOpenMetrics("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")).toBe(true);
    expect(wantsOpenMetrics("text/plain")).toBe(false);
  });
});
