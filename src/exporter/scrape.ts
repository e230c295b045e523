/**
 * One scrape: read every process once through the exporter's source, add what the other features
 * know (open fds and deleted files from files/, listening sockets from files/sockets, blocked
 * tasks from threads/), fold it into the accumulator and render. Never throws for a process that
 * vanishes or cannot be read: it is counted in procscope_scrape_errors_total.
 */
import type { ProcessDir } from "../access/proc-fs.js";
import { ProcError } from "../errors.js";
import { type FileDescriptor, iterateOpenFiles, type ProcessFiles, readFd, sumDeletedFiles } from "../files/fds.js";
import { readSocketTables, socketOwners } from "../files/sockets.js";
import type { ProcessContext } from "../processes/process.js";
import { listBlocked } from "../threads/blocked.js";
import { listSourceProcesses, type SourceField } from "./_source.js";
import { type Accumulator, COUNTERS, type CounterName, createAccumulator, identityKey, type ProcessSample } from "./accumulate.js";
import type { ExporterConfig, ProcessAttributes } from "./config.js";
import { type Exposition, renderExposition } from "./render.js";
import { readExporterSelf, type SelfSource } from "./self.js";
import { createSmapsRefresher } from "./smaps.js";

export interface ExporterOptions {
  readonly config: ExporterConfig;
  /** Read smaps_rollup for proportional memory, in the background, smapsBudgetMs per scrape. */
  readonly smaps?: boolean;
  readonly smapsBudgetMs?: number;
  readonly perProcessGroups?: readonly string[];
  readonly maxSeries?: number;
  readonly maxGroups?: number;
  /** The clock, injectable for tests (ms). */
  readonly now?: () => number;
  /** The exporter's own process (live /proc), for the process_* and nodejs_heap_* families; none without it. */
  readonly self?: SelfSource;
}

export interface Exporter {
  /** Reads /proc and returns the exposition of this scrape. */
  collect(): Exposition;
  /** collect() rendered in the text format, or OpenMetrics. */
  scrape(openMetrics: boolean): string;
  /** Resolves when the background reading that --smaps starts after each scrape is done. */
  settled(): Promise<void>;
}

const BASE_FIELDS: readonly SourceField[] = [
  "comm",
  "state",
  "threads",
  "cpuUserSeconds",
  "cpuSystemSeconds",
  "childrenCpuUserSeconds",
  "childrenCpuSystemSeconds",
  "minorFaults",
  "majorFaults",
  "vszBytes",
  "rssBytes",
  "swapBytes",
  "voluntaryCtxSwitches",
  "nonvoluntaryCtxSwitches",
  "readBytes",
  "writeBytes",
  "fdLimit",
];

export const DEFAULT_SMAPS_BUDGET_MS = 200;

interface FdFacts {
  readonly fdCount: number | null;
  readonly deletedOpenBytes: number;
}

/**
 * Open fd counts and deleted-file bytes per process identity, from one pass over the fd links
 * (no stat, no fdinfo); only links that say "(deleted)" are stat'ed, to learn their size.
 */
function fdFacts(context: ProcessContext, pids: readonly number[]): { facts: Map<string, FdFacts>; files: ProcessFiles[] } {
  const facts = new Map<string, FdFacts>();
  const files: ProcessFiles[] = [];
  for (const pf of iterateOpenFiles(context, { pids, fdinfo: false, stat: false, keepUnreadable: true })) {
    files.push(pf);
    const key = identityKey(pf.pid, pf.startTimeTicks);
    if (pf.fds === null) {
      facts.set(key, { fdCount: null, deletedOpenBytes: 0 });
      continue;
    }
    const candidates = pf.fds.filter((f) => f.deleted && f.type === "file");
    let deletedOpenBytes = 0;
    if (candidates.length > 0 && context.procFs.isLive) {
      const statted = statFds(context, pf.pid, candidates);
      deletedOpenBytes = sumDeletedFiles([{ ...pf, fds: statted }])[0]?.bytes ?? 0;
    }
    facts.set(key, { fdCount: pf.fds.length, deletedOpenBytes });
  }
  return { facts, files };
}

function statFds(context: ProcessContext, pid: number, fds: readonly FileDescriptor[]): FileDescriptor[] {
  let dir: ProcessDir;
  try {
    dir = context.procFs.openProcess(pid);
  } catch {
    return [];
  }
  const out: FileDescriptor[] = [];
  try {
    for (const f of fds) {
      try {
        out.push(readFd(dir, f.fd, { fdinfo: false }));
      } catch (error) {
        if (!(error instanceof ProcError)) throw error; // closed meanwhile, or gone: not counted
      }
    }
  } finally {
    dir.close();
  }
  return out;
}

/** Listening sockets (TCP and UNIX, this network namespace) per holder identity. */
function listeningByProcess(context: ProcessContext, files: readonly ProcessFiles[]): Map<string, number> {
  const counts = new Map<string, number>();
  const { sockets } = readSocketTables(context.procFs);
  const listening = new Set(sockets.filter((s) => s.state === "LISTEN").map((s) => s.inode));
  for (const [inode, owners] of socketOwners(files)) {
    if (!listening.has(inode)) continue;
    const seen = new Set<string>();
    for (const o of owners) {
      const key = identityKey(o.pid, o.startTimeTicks);
      if (seen.has(key)) continue; // one socket held by two fds of one process counts once
      seen.add(key);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

function isDenied(reason: string): boolean {
  return reason.startsWith("permission denied");
}

/**
 * Creates the exporter over a process context; its state (counters carried across exits) lives
 * as long as the returned object.
 */
export function createExporter(context: ProcessContext, options: ExporterOptions): Exporter {
  const now = options.now ?? (() => performance.now());
  const maxSeries = options.maxSeries ?? 1000;
  const accumulator: Accumulator = createAccumulator({
    config: options.config,
    ...(options.perProcessGroups ? { perProcessGroups: options.perProcessGroups } : {}),
    maxSeries,
    ...(options.maxGroups !== undefined ? { maxGroups: options.maxGroups } : {}),
  });
  const scrapeErrors: Record<string, number> = { vanished: 0, denied: 0, unreadable: 0 };
  // A process that stays unreadable (/proc/1/io is denied even to root in some containers) counts
  // once in its life, not once per scrape: a counter rising forever would keep an alert firing.
  const deniedIdentities = new Set<string>();
  const smapsBudgetMs = options.smapsBudgetMs ?? DEFAULT_SMAPS_BUDGET_MS;
  const smaps = options.smaps ? createSmapsRefresher(context, { budgetMs: smapsBudgetMs, now }) : null;

  function collect(): Exposition {
    const started = now();
    const { system } = context;
    const listing = listSourceProcesses(context, { fields: BASE_FIELDS });
    scrapeErrors.vanished = (scrapeErrors.vanished ?? 0) + listing.vanished;
    scrapeErrors.unreadable = (scrapeErrors.unreadable ?? 0) + listing.skipped.count;
    const records = listing.processes;
    const pids = records.map((r) => r.pid);

    const { facts, files } = fdFacts(context, pids);
    let listening = new Map<string, number>();
    try {
      listening = listeningByProcess(context, files);
    } catch (error) {
      if (!(error instanceof ProcError)) throw error;
    }
    const blockedByPid = new Map<number, number>();
    let hostBlocked = 0;
    // A single-threaded process's one task has the process's state: only processes in D or with
    // several threads need their tasks walked.
    const walk = records.filter((r) => r.state === "D" || (r.threads ?? 1) > 1).map((r) => r.pid);
    for (const task of listBlocked(context, { pids: walk })) {
      hostBlocked++;
      blockedByPid.set(task.pid, (blockedByPid.get(task.pid) ?? 0) + 1);
    }
    const smapsStale = smaps?.staleCount(records) ?? 0;

    const bootTime = system.bootTime ?? 0;
    const samples: ProcessSample[] = [];
    let threads = 0;
    let zombies = 0;
    const deniedNow = new Set<string>();
    for (const r of records) {
      const key = identityKey(r.pid, r.startTimeTicks);
      if (Object.values(r.errors).some(isDenied)) {
        deniedNow.add(key);
        if (!deniedIdentities.has(key)) scrapeErrors.denied = (scrapeErrors.denied ?? 0) + 1;
      }
      const fd = facts.get(key);
      const pss = smaps?.get(key);
      const counters = Object.fromEntries(COUNTERS.map((c) => [c, (r[c] as number | null | undefined) ?? null])) as Record<
        CounterName,
        number | null
      >;
      threads += r.threads ?? 0;
      if (r.state === "Z") zombies++;
      samples.push({
        pid: r.pid,
        startTimeTicks: r.startTimeTicks,
        startTimeSeconds: bootTime + r.startTimeTicks / system.clockTicks,
        state: r.state ?? "?",
        threads: r.threads ?? 0,
        counters,
        rssBytes: r.rssBytes ?? null,
        vszBytes: r.vszBytes ?? null,
        swapBytes: r.swapBytes ?? null,
        pssBytes: pss?.pss ?? null,
        swapPssBytes: pss?.swapPss ?? null,
        fdCount: fd?.fdCount ?? null,
        fdLimit: r.fdLimit ?? null,
        deletedOpenBytes: fd?.deletedOpenBytes ?? 0,
        listeningSockets: listening.get(key) ?? 0,
        blockedTasks: blockedByPid.get(r.pid) ?? 0,
      });
    }

    deniedIdentities.clear();
    for (const key of deniedNow) deniedIdentities.add(key);

    // Identities never seen before: read what grouping needs (command line, user) once, now.
    const unknown = accumulator.unknown(samples);
    const attributes = new Map<string, ProcessAttributes>();
    if (unknown.length > 0) {
      const commOf = new Map(records.map((r) => [identityKey(r.pid, r.startTimeTicks), r.comm ?? ""]));
      const extra = listSourceProcesses(context, { fields: ["cmdline", "user"], pids: unknown.map((s) => s.pid) });
      for (const r of extra.processes) {
        const key = identityKey(r.pid, r.startTimeTicks);
        const comm = commOf.get(key);
        if (comm === undefined) continue; // the PID was reused between the two reads
        attributes.set(key, {
          pid: r.pid,
          comm,
          cmdline: r.cmdline ?? [],
          user: r.user ?? String(r.uid ?? ""),
          startTimeSeconds: bootTime + r.startTimeTicks / system.clockTicks,
        });
      }
    }
    const snapshot = accumulator.update(samples, attributes);
    smaps?.refresh(records);
    return {
      snapshot,
      host: { processes: records.length, threads, zombies, blockedTasks: hostBlocked },
      scrapeDurationSeconds: (now() - started) / 1000,
      scrapeErrors: { ...scrapeErrors },
      deniedProcesses: deniedNow.size,
      smaps: options.smaps === true,
      smapsStaleProcesses: smapsStale,
      smapsBudgetSeconds: smapsBudgetMs / 1000,
      maxSeries,
      self: options.self === undefined ? null : readExporterSelf(options.self),
    };
  }

  return {
    collect,
    scrape: (openMetrics) => renderExposition(collect(), openMetrics),
    settled: () => smaps?.settled() ?? Promise.resolve(),
  };
}
