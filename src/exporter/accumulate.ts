/**
 * Group accounting across scrapes, keyed by process identity (PID + start time): each process's
 * group is decided once, when first seen (as process-exporter does), and group counters grow by
 * each member's increase since the previous scrape, so they never go back when a member exits
 * and a reused PID never inherits another process's counts. Pure: samples in, a snapshot out.
 */
import type { ExporterConfig, ProcessAttributes } from "./config.js";
import { groupName } from "./config.js";

/** The counters a group accumulates, in this order in every array below. */
export const COUNTERS = [
  "cpuUserSeconds",
  "cpuSystemSeconds",
  "childrenCpuUserSeconds",
  "childrenCpuSystemSeconds",
  "readBytes",
  "writeBytes",
  "majorFaults",
  "minorFaults",
  "voluntaryCtxSwitches",
  "nonvoluntaryCtxSwitches",
] as const;
export type CounterName = (typeof COUNTERS)[number];

/** The state buckets of procscope_group_states (process-exporter's). */
export const STATES = ["Running", "Sleeping", "Waiting", "Zombie", "Other"] as const;
export type StateBucket = (typeof STATES)[number];

export function stateBucket(letter: string): StateBucket {
  switch (letter) {
    case "R":
      return "Running";
    case "S":
      return "Sleeping";
    case "D":
      return "Waiting";
    case "Z":
      return "Zombie";
    default:
      return "Other";
  }
}

/** One process as read in one scrape. Null values could not be read this time. */
export interface ProcessSample {
  readonly pid: number;
  readonly startTimeTicks: number;
  readonly startTimeSeconds: number;
  readonly state: string;
  readonly threads: number;
  readonly counters: Readonly<Record<CounterName, number | null>>;
  readonly rssBytes: number | null;
  readonly vszBytes: number | null;
  readonly swapBytes: number | null;
  readonly pssBytes: number | null;
  readonly swapPssBytes: number | null;
  readonly fdCount: number | null;
  readonly fdLimit: number | null;
  readonly deletedOpenBytes: number;
  readonly listeningSockets: number;
  readonly blockedTasks: number;
}

export const MEMTYPES = ["resident", "virtual", "swapped", "proportionalResident", "proportionalSwapped"] as const;
export type Memtype = (typeof MEMTYPES)[number];

export interface GroupSnapshot {
  readonly name: string;
  readonly numProcs: number;
  readonly counters: Readonly<Record<CounterName, number>>;
  /** Proportional memory is null while no member has been measured (--smaps reads in the background). */
  readonly memory: Readonly<Record<Memtype, number | null>>;
  readonly numThreads: number;
  readonly openFiledesc: number;
  readonly worstFdRatio: number;
  /** Seconds since the epoch; null when the group has no process now. */
  readonly oldestStartTimeSeconds: number | null;
  readonly states: Readonly<Record<StateBucket, number>>;
  readonly deletedOpenBytes: number;
  readonly blockedTasks: number;
  readonly listeningSockets: number;
}

export interface ProcessSeries {
  readonly group: string;
  readonly pid: number;
  readonly sample: ProcessSample;
}

export interface Snapshot {
  readonly groups: readonly GroupSnapshot[];
  /** Per-process series of the groups asked for, within the cap. */
  readonly processes: readonly ProcessSeries[];
  readonly perProcessSeriesDropped: number;
  /** Processes not grouped because the group cap was reached. */
  readonly groupOverflowProcesses: number;
}

export interface AccumulatorOptions {
  readonly config: ExporterConfig;
  /** Groups that get per-process series. */
  readonly perProcessGroups?: readonly string[];
  /** Cap on per-process series (each process makes SERIES_PER_PROCESS of them). */
  readonly maxSeries?: number;
  /** Cap on groups: label values come from process names, which any local user can choose. */
  readonly maxGroups?: number;
}

/** How many series one process adds with --per-process (see render.ts). */
export const SERIES_PER_PROCESS = 8;

interface Tracked {
  /** null: matched no rule; remembered so it is not matched again. */
  readonly group: string | null;
  readonly last: (number | null)[];
  seen: number;
}

interface GroupState {
  readonly totals: number[];
  /** The last update in which the group had a process. */
  lastLive: number;
}

export interface Accumulator {
  /** Identities in `samples` never seen before: the caller reads their attributes for grouping. */
  unknown(samples: readonly ProcessSample[]): ProcessSample[];
  /** Folds one scrape in; `attributes` holds every identity unknown() returned. */
  update(samples: readonly ProcessSample[], attributes: ReadonlyMap<string, ProcessAttributes>): Snapshot;
}

/** "PID@TICKS", the identity of a process. */
export function identityKey(pid: number, startTimeTicks: number): string {
  return `${pid}@${startTimeTicks}`;
}

/**
 * Creates the per-exporter state. The first update takes every process's counters as a baseline
 * (group counters start at 0, as process-exporter's do); a process first seen later counts whole,
 * since all of its use happened while we were watching.
 */
export function createAccumulator(options: AccumulatorOptions): Accumulator {
  const tracked = new Map<string, Tracked>();
  const groups = new Map<string, GroupState>();
  const perProcess = new Set(options.perProcessGroups ?? []);
  const maxSeries = options.maxSeries ?? 1000;
  const maxGroups = options.maxGroups ?? 1000;
  let generation = 0;

  /**
   * At the cap, the group that has been empty longest makes room for a new one with a process:
   * with the default grouping by comm, names such as kworker/0:1-events come and go for as long as
   * the host runs, and new services must not land in the overflow count behind them. The
   * forgotten group's series end; should it come back, its counters start again from 0, a reset
   * Prometheus' rate() handles. False when every group has a process now.
   */
  function forgetLongestEmpty(occupied: ReadonlySet<string>): boolean {
    let oldest: string | null = null;
    let oldestLive = Number.POSITIVE_INFINITY;
    for (const [name, state] of groups)
      if (!occupied.has(name) && state.lastLive < oldestLive) {
        oldest = name;
        oldestLive = state.lastLive;
      }
    if (oldest === null) return false;
    groups.delete(oldest);
    return true;
  }

  return {
    unknown(samples) {
      return samples.filter((s) => !tracked.has(identityKey(s.pid, s.startTimeTicks)));
    },
    update(samples, attributes) {
      generation++;
      const first = generation === 1;
      const live = new Map<string, ProcessSample[]>();
      let groupOverflowProcesses = 0;
      // Groups with a process in this scrape, known before new groups are placed: only the others
      // may make room.
      const occupied = new Set<string>();
      for (const s of samples) {
        const group = tracked.get(identityKey(s.pid, s.startTimeTicks))?.group;
        if (group !== undefined && group !== null) occupied.add(group);
      }
      for (const s of samples) {
        const key = identityKey(s.pid, s.startTimeTicks);
        let t = tracked.get(key);
        const values = COUNTERS.map((c) => s.counters[c]);
        if (t === undefined) {
          const attrs = attributes.get(key);
          if (attrs === undefined) continue; // vanished before its attributes were read
          let group = groupName(options.config, attrs);
          if (group !== null && !groups.has(group)) {
            if (groups.size >= maxGroups && !forgetLongestEmpty(occupied)) {
              groupOverflowProcesses++;
              group = null;
            } else groups.set(group, { totals: COUNTERS.map(() => 0), lastLive: generation });
          }
          if (group !== null) occupied.add(group);
          // Baseline on the first scrape: contribute nothing now. Later: count it whole.
          t = { group, last: first ? values : COUNTERS.map(() => 0), seen: generation };
          tracked.set(key, t);
        }
        t.seen = generation;
        if (t.group === null) continue;
        const state = groups.get(t.group) as GroupState;
        state.lastLive = generation;
        for (let i = 0; i < values.length; i++) {
          const now = values[i];
          if (now === null || now === undefined) continue; // unreadable now: keep the last value
          const before = t.last[i];
          // A value that was unreadable before starts a new baseline (its history is unknown).
          if (before !== null && before !== undefined && now > before) state.totals[i] = (state.totals[i] as number) + (now - before);
          t.last[i] = now;
        }
        const list = live.get(t.group);
        if (list === undefined) live.set(t.group, [s]);
        else list.push(s);
      }
      for (const [key, t] of tracked) if (t.seen !== generation) tracked.delete(key);

      const out: GroupSnapshot[] = [];
      for (const [name, state] of groups) out.push(groupSnapshot(name, state, live.get(name) ?? []));
      out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

      const processes: ProcessSeries[] = [];
      let perProcessSeriesDropped = 0;
      for (const group of [...perProcess].sort()) {
        for (const sample of [...(live.get(group) ?? [])].sort((a, b) => a.pid - b.pid)) {
          if ((processes.length + 1) * SERIES_PER_PROCESS > maxSeries) perProcessSeriesDropped += SERIES_PER_PROCESS;
          else processes.push({ group, pid: sample.pid, sample });
        }
      }
      return { groups: out, processes, perProcessSeriesDropped, groupOverflowProcesses };
    },
  };
}

function groupSnapshot(name: string, state: GroupState, members: readonly ProcessSample[]): GroupSnapshot {
  const counters = Object.fromEntries(COUNTERS.map((c, i) => [c, state.totals[i] as number])) as Record<CounterName, number>;
  const memory: Record<Memtype, number> = { resident: 0, virtual: 0, swapped: 0, proportionalResident: 0, proportionalSwapped: 0 };
  let proportionalMeasured = false;
  const states: Record<StateBucket, number> = { Running: 0, Sleeping: 0, Waiting: 0, Zombie: 0, Other: 0 };
  let numThreads = 0;
  let openFiledesc = 0;
  let worstFdRatio = 0;
  let oldest: number | null = null;
  let deletedOpenBytes = 0;
  let blockedTasks = 0;
  let listeningSockets = 0;
  for (const m of members) {
    memory.resident += m.rssBytes ?? 0;
    memory.virtual += m.vszBytes ?? 0;
    memory.swapped += m.swapBytes ?? 0;
    memory.proportionalResident += m.pssBytes ?? 0;
    memory.proportionalSwapped += m.swapPssBytes ?? 0;
    if (m.pssBytes !== null) proportionalMeasured = true;
    states[stateBucket(m.state)]++;
    numThreads += m.threads;
    openFiledesc += m.fdCount ?? 0;
    if (m.fdCount !== null && m.fdLimit !== null && m.fdLimit > 0) worstFdRatio = Math.max(worstFdRatio, m.fdCount / m.fdLimit);
    if (oldest === null || m.startTimeSeconds < oldest) oldest = m.startTimeSeconds;
    deletedOpenBytes += m.deletedOpenBytes;
    blockedTasks += m.blockedTasks;
    listeningSockets += m.listeningSockets;
  }
  return {
    name,
    numProcs: members.length,
    counters,
    memory: proportionalMeasured ? memory : { ...memory, proportionalResident: null, proportionalSwapped: null },
    numThreads,
    openFiledesc,
    worstFdRatio,
    oldestStartTimeSeconds: oldest,
    states,
    deletedOpenBytes,
    blockedTasks,
    listeningSockets,
  };
}
