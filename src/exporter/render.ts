/**
 * The exposition: Prometheus text format 0.0.4, or OpenMetrics 1.0 when the scraper asks for it.
 * Pure: a snapshot in, the body out. The only label values are group names (from the config's
 * templates), PIDs, and fixed enumerations; nothing else of a process reaches the output.
 */
import { type GroupSnapshot, MEMTYPES, type ProcessSeries, type Snapshot, STATES } from "./accumulate.js";
import type { ExporterSelf } from "./self.js";

export const TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
export const OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/** Chooses OpenMetrics when the Accept header lists it (Prometheus sends it first when it can). */
export function wantsOpenMetrics(accept: string | undefined | null): boolean {
  return accept !== undefined && accept !== null && /application\/openmetrics-text/i.test(accept);
}

export interface HostCounts {
  readonly processes: number;
  readonly threads: number;
  readonly zombies: number;
  readonly blockedTasks: number;
}

/** What one scrape renders besides the groups. */
export interface Exposition {
  readonly snapshot: Snapshot;
  readonly host: HostCounts;
  readonly scrapeDurationSeconds: number;
  /** Running totals by reason ("vanished", "denied", "unreadable"); a denied process counts once in its life. */
  readonly scrapeErrors: Readonly<Record<string, number>>;
  /** Processes this scrape could not read in full (permission denied on one of their files). */
  readonly deniedProcesses: number;
  /** Proportional memory is measured (--smaps): only then are those series shown. */
  readonly smaps: boolean;
  /** With --smaps: processes the latest background round has not read (budget spent, or still reading). */
  readonly smapsStaleProcesses: number;
  readonly smapsBudgetSeconds: number;
  readonly maxSeries: number;
  /** The exporter's own process; null leaves the process_* and nodejs_heap_* families out. */
  readonly self: ExporterSelf | null;
}

type Labels = Readonly<Record<string, string>>;
type Kind = "gauge" | "counter";

/** Every metric family the exporter can expose, with its type; the dashboard test reads this. */
export const METRIC_FAMILIES: Readonly<Record<string, { kind: Kind; help: string }>> = {
  procscope_group_num_procs: { kind: "gauge", help: "Number of processes in the group." },
  procscope_group_cpu_seconds_total: { kind: "counter", help: "CPU time used by the group's processes (user and system), in seconds." },
  procscope_group_children_cpu_seconds_total: {
    kind: "counter",
    help: "CPU time of the group's children that exited and were waited for (cutime/cstime), in seconds.",
  },
  procscope_group_read_bytes_total: { kind: "counter", help: "Bytes the group's processes caused to be read from storage." },
  procscope_group_write_bytes_total: { kind: "counter", help: "Bytes the group's processes caused to be written to storage." },
  procscope_group_major_page_faults_total: { kind: "counter", help: "Major page faults of the group's processes." },
  procscope_group_minor_page_faults_total: { kind: "counter", help: "Minor page faults of the group's processes." },
  procscope_group_context_switches_total: { kind: "counter", help: "Context switches of the group's processes (main threads)." },
  procscope_group_memory_bytes: { kind: "gauge", help: "Memory of the group's processes, in bytes, by type." },
  procscope_group_num_threads: { kind: "gauge", help: "Threads in the group's processes." },
  procscope_group_open_filedesc: { kind: "gauge", help: "Open file descriptors of the group's processes." },
  procscope_group_worst_fd_ratio: { kind: "gauge", help: "Highest ratio of open fds to the soft fd limit among the group's processes." },
  procscope_group_oldest_start_time_seconds: { kind: "gauge", help: "Start time of the group's oldest process, seconds since the epoch." },
  procscope_group_states: { kind: "gauge", help: "Processes of the group in each state." },
  procscope_group_deleted_open_bytes: { kind: "gauge", help: "Bytes of deleted files the group's processes still hold open." },
  procscope_group_blocked_tasks: { kind: "gauge", help: "Tasks (threads) of the group in uninterruptible sleep (state D)." },
  procscope_group_listening_sockets: { kind: "gauge", help: "Listening sockets held by the group's processes (TCP and UNIX)." },
  procscope_process_cpu_seconds_total: { kind: "counter", help: "CPU time of one process of a --per-process group, in seconds." },
  procscope_process_memory_bytes: { kind: "gauge", help: "Memory of one process of a --per-process group, in bytes, by type." },
  procscope_process_open_filedesc: { kind: "gauge", help: "Open file descriptors of one process of a --per-process group." },
  procscope_process_num_threads: { kind: "gauge", help: "Threads of one process of a --per-process group." },
  procscope_process_start_time_seconds: {
    kind: "gauge",
    help: "Start time of one process of a --per-process group, seconds since the epoch.",
  },
  procscope_per_process_series_limit: { kind: "gauge", help: "Cap on per-process series (--max-series)." },
  procscope_per_process_series_dropped: { kind: "gauge", help: "Per-process series left out of this scrape because of the cap." },
  procscope_group_overflow_processes: { kind: "gauge", help: "Processes not reported because the cap on groups was reached." },
  procscope_host_processes: { kind: "gauge", help: "Processes on the host (all of them, grouped or not)." },
  procscope_host_threads: { kind: "gauge", help: "Threads on the host." },
  procscope_host_zombies: { kind: "gauge", help: "Zombie processes on the host." },
  procscope_host_blocked_tasks: { kind: "gauge", help: "Tasks on the host in uninterruptible sleep (state D)." },
  procscope_scrape_duration_seconds: { kind: "gauge", help: "Time this scrape took to read /proc, in seconds." },
  procscope_scrape_errors_total: {
    kind: "counter",
    help: "Processes that vanished or could not be read during scrapes, by reason (counted, never a failed scrape; a process denied counts once in its life).",
  },
  procscope_denied_processes: {
    kind: "gauge",
    help: "Processes this scrape could not read in full: permission denied on one of their files.",
  },
  procscope_smaps_stale_processes: {
    kind: "gauge",
    help: "Processes the latest background smaps round has not read (its time budget spent, or still reading): their proportional memory is older.",
  },
  procscope_smaps_budget_seconds: { kind: "gauge", help: "Time budget per scrape for reading smaps_rollup (--smaps-budget)." },
  // The exporter itself, under the names of the client libraries' process collectors and prom-client.
  process_cpu_seconds_total: { kind: "counter", help: "User and system CPU time of the exporter, in seconds." },
  process_resident_memory_bytes: { kind: "gauge", help: "Resident memory of the exporter, in bytes." },
  process_virtual_memory_bytes: { kind: "gauge", help: "Virtual memory of the exporter, in bytes." },
  process_open_fds: { kind: "gauge", help: "Open file descriptors of the exporter." },
  process_max_fds: { kind: "gauge", help: "Soft limit on the exporter's open file descriptors." },
  process_start_time_seconds: { kind: "gauge", help: "Start time of the exporter, seconds since the epoch." },
  nodejs_heap_size_total_bytes: { kind: "gauge", help: "V8 heap of the exporter: committed size, in bytes." },
  nodejs_heap_size_used_bytes: { kind: "gauge", help: "V8 heap of the exporter: used size, in bytes." },
  nodejs_heap_space_size_total_bytes: { kind: "gauge", help: "V8 heap of the exporter: committed size of each space, in bytes." },
};

/** Escapes a label value for both formats: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

class Writer {
  private out: string[] = [];
  constructor(private readonly openMetrics: boolean) {}

  family(name: string, samples: readonly (readonly [Labels, number])[]): void {
    const def = METRIC_FAMILIES[name];
    if (def === undefined) throw new Error(`metric ${name} is not declared`);
    // OpenMetrics names the counter family without _total; its samples keep it.
    const familyName = this.openMetrics && def.kind === "counter" ? name.replace(/_total$/, "") : name;
    this.out.push(`# HELP ${familyName} ${def.help}\n# TYPE ${familyName} ${def.kind}\n`);
    for (const [labels, value] of samples) {
      const keys = Object.keys(labels);
      const labelText = keys.length === 0 ? "" : `{${keys.map((k) => `${k}="${escapeLabelValue(labels[k] as string)}"`).join(",")}}`;
      this.out.push(`${name}${labelText} ${formatValue(value)}\n`);
    }
  }

  finish(): string {
    if (this.openMetrics) this.out.push("# EOF\n");
    return this.out.join("");
  }
}

/** A family's samples for one group or process: labels besides the group's (and PID's), and the value (null: no sample). */
type Series<T> = (item: T) => readonly (readonly [Labels, number | null])[];

const one =
  <T>(value: (item: T) => number | null): Series<T> =>
  (item) => [[{}, value(item)]];

/** One sample per value of `label`. */
const each =
  <T, V extends string>(label: string, values: readonly V[], value: (item: T, v: V) => number | null): Series<T> =>
  (item) =>
    values.map((v) => [{ [label]: v }, value(item, v)] as const);

/** The per-group families in exposition order; memory types depend on --smaps. */
function groupFamilies(memtypes: readonly (typeof MEMTYPES)[number][]): readonly (readonly [string, Series<GroupSnapshot>])[] {
  return [
    ["procscope_group_num_procs", one((g) => g.numProcs)],
    [
      "procscope_group_cpu_seconds_total",
      each("mode", ["user", "system"], (g, m) => (m === "user" ? g.counters.cpuUserSeconds : g.counters.cpuSystemSeconds)),
    ],
    [
      "procscope_group_children_cpu_seconds_total",
      each("mode", ["user", "system"], (g, m) => (m === "user" ? g.counters.childrenCpuUserSeconds : g.counters.childrenCpuSystemSeconds)),
    ],
    ["procscope_group_read_bytes_total", one((g) => g.counters.readBytes)],
    ["procscope_group_write_bytes_total", one((g) => g.counters.writeBytes)],
    ["procscope_group_major_page_faults_total", one((g) => g.counters.majorFaults)],
    ["procscope_group_minor_page_faults_total", one((g) => g.counters.minorFaults)],
    [
      "procscope_group_context_switches_total",
      each("ctxswitchtype", ["voluntary", "nonvoluntary"], (g, t) =>
        t === "voluntary" ? g.counters.voluntaryCtxSwitches : g.counters.nonvoluntaryCtxSwitches,
      ),
    ],
    ["procscope_group_memory_bytes", each("memtype", memtypes, (g, m) => g.memory[m])],
    ["procscope_group_num_threads", one((g) => g.numThreads)],
    ["procscope_group_open_filedesc", one((g) => g.openFiledesc)],
    ["procscope_group_worst_fd_ratio", one((g) => g.worstFdRatio)],
    ["procscope_group_oldest_start_time_seconds", one((g) => g.oldestStartTimeSeconds)],
    ["procscope_group_states", each("state", STATES, (g, s) => g.states[s])],
    ["procscope_group_deleted_open_bytes", one((g) => g.deletedOpenBytes)],
    ["procscope_group_blocked_tasks", one((g) => g.blockedTasks)],
    ["procscope_group_listening_sockets", one((g) => g.listeningSockets)],
  ];
}

/** The per-process families (--per-process groups); a value that could not be read is 0. */
const PROCESS_FAMILIES: readonly (readonly [string, Series<ProcessSeries>])[] = [
  [
    "procscope_process_cpu_seconds_total",
    ({ sample }) => [
      [{ mode: "user" }, sample.counters.cpuUserSeconds ?? 0],
      [{ mode: "system" }, sample.counters.cpuSystemSeconds ?? 0],
    ],
  ],
  [
    "procscope_process_memory_bytes",
    ({ sample }) => [
      [{ memtype: "resident" }, sample.rssBytes ?? 0],
      [{ memtype: "virtual" }, sample.vszBytes ?? 0],
      [{ memtype: "swapped" }, sample.swapBytes ?? 0],
    ],
  ],
  ["procscope_process_open_filedesc", one(({ sample }) => sample.fdCount ?? 0)],
  ["procscope_process_num_threads", one(({ sample }) => sample.threads)],
  ["procscope_process_start_time_seconds", one(({ sample }) => sample.startTimeSeconds)],
];

/** Every item's samples of one family, its id labels first; null values give no sample. */
function samplesOf<T>(items: readonly T[], id: (item: T) => Labels, series: Series<T>): [Labels, number][] {
  const samples: [Labels, number][] = [];
  for (const item of items)
    for (const [labels, value] of series(item)) if (value !== null) samples.push([{ ...id(item), ...labels }, value]);
  return samples;
}

/**
 * Renders one scrape.
 * renderExposition(exposition, false).startsWith("# HELP procscope_group_num_procs")
 */
export function renderExposition(e: Exposition, openMetrics: boolean): string {
  const w = new Writer(openMetrics);
  const memtypes = e.smaps ? MEMTYPES : MEMTYPES.filter((m) => !m.startsWith("proportional"));
  const groupId = (g: GroupSnapshot): Labels => ({ groupname: g.name });
  for (const [name, series] of groupFamilies(memtypes)) w.family(name, samplesOf(e.snapshot.groups, groupId, series));
  const processId = (p: ProcessSeries): Labels => ({ groupname: p.group, pid: String(p.pid) });
  if (e.snapshot.processes.length > 0)
    for (const [name, series] of PROCESS_FAMILIES) w.family(name, samplesOf(e.snapshot.processes, processId, series));
  w.family("procscope_per_process_series_limit", [[{}, e.maxSeries]]);
  w.family("procscope_per_process_series_dropped", [[{}, e.snapshot.perProcessSeriesDropped]]);
  w.family("procscope_group_overflow_processes", [[{}, e.snapshot.groupOverflowProcesses]]);
  w.family("procscope_host_processes", [[{}, e.host.processes]]);
  w.family("procscope_host_threads", [[{}, e.host.threads]]);
  w.family("procscope_host_zombies", [[{}, e.host.zombies]]);
  w.family("procscope_host_blocked_tasks", [[{}, e.host.blockedTasks]]);
  w.family("procscope_scrape_duration_seconds", [[{}, e.scrapeDurationSeconds]]);
  w.family(
    "procscope_scrape_errors_total",
    Object.keys(e.scrapeErrors)
      .sort()
      .map((reason) => [{ reason }, e.scrapeErrors[reason] as number] as const),
  );
  w.family("procscope_denied_processes", [[{}, e.deniedProcesses]]);
  if (e.smaps) {
    w.family("procscope_smaps_stale_processes", [[{}, e.smapsStaleProcesses]]);
    w.family("procscope_smaps_budget_seconds", [[{}, e.smapsBudgetSeconds]]);
  }
  if (e.self !== null) writeSelf(w, e.self);
  return w.finish();
}

function writeSelf(w: Writer, self: ExporterSelf): void {
  const single = (name: string, value: number | null): void => {
    if (value !== null) w.family(name, [[{}, value]]);
  };
  single("process_cpu_seconds_total", self.cpuSeconds);
  single("process_resident_memory_bytes", self.residentBytes);
  single("process_virtual_memory_bytes", self.virtualBytes);
  single("process_open_fds", self.openFds);
  single("process_max_fds", self.maxFds);
  single("process_start_time_seconds", self.startTimeSeconds);
  single("nodejs_heap_size_total_bytes", self.heap.totalBytes);
  single("nodejs_heap_size_used_bytes", self.heap.usedBytes);
  w.family(
    "nodejs_heap_space_size_total_bytes",
    self.heap.spaces.map((s) => [{ space: s.space.replace(/_space$/, "") }, s.totalBytes] as const),
  );
}
