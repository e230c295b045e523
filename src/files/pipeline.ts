/**
 * Pipeline: the stages of a shell pipeline (one process group joined by pipes), each with its
 * read/write byte rates from /proc/PID/io sampled twice, its CPU use and what it waits on
 * (wchan: pipe_read, pipe_write...), and which stage holds the others back.
 */

import { sleepUnlessAborted } from "../_sleep.js";
import type { ProcessDir } from "../access/proc-fs.js";
import { decodeBytes } from "../bytes.js";
import { AccessDenied, NotFound, ProcError, ProcessGone } from "../errors.js";
import type { Pipeline, PipelineStage } from "../model/file-transfer.js";
import { fieldFailure } from "../model/reader.js";
import type { FieldErrors, ProcessContext } from "../processes/process.js";
import { parsePidIo } from "../procfs/pid/io.js";
import { type PidStat, parsePidStat } from "../procfs/pid/stat.js";
import { parsePidWchan } from "../procfs/pid/wchan.js";

export type { Pipeline, PipelineStage };

interface Snap {
  readonly pid: number;
  readonly stat: PidStat;
  readonly rchar: number | null;
  readonly wchar: number | null;
  readonly wchan: string | null;
  readonly stdin: string | null;
  readonly stdout: string | null;
  readonly errors: FieldErrors;
  /** Why fd 0 or 1 could not be read (another user's process): no pipe can be seen then. */
  readonly linksDenied: AccessDenied | null;
}

/** Pipe waits: pipe_read/pipe_write, anon_pipe_read/anon_pipe_write (Linux 6.16+), pipe_wait (old kernels). */
export function isPipeWait(wchan: string | null): boolean {
  return wchan !== null && /(^|_)pipe_(read|write|wait)/.test(wchan);
}

function snap(dir: ProcessDir): Snap {
  const stat = dir.parse("stat", parsePidStat);
  const errors: FieldErrors = {};
  let rchar: number | null = null;
  let wchar: number | null = null;
  try {
    const io = dir.parse("io", parsePidIo);
    rchar = io.rcharBytes;
    wchar = io.wcharBytes;
  } catch (error) {
    errors.readBytesPerSecond = errors.writeBytesPerSecond = fieldFailure(error);
  }
  let wchan: string | null = null;
  try {
    wchan = dir.parse("wchan", parsePidWchan);
  } catch (error) {
    errors.wchan = fieldFailure(error);
  }
  let linksDenied: AccessDenied | null = null;
  const link = (fd: number, field: "stdin" | "stdout"): string | null => {
    try {
      return decodeBytes(dir.readLink(`fd/${fd}`));
    } catch (error) {
      if (error instanceof ProcessGone) throw error;
      if (error instanceof AccessDenied) {
        linksDenied = error;
        errors[field] = fieldFailure(error);
      }
      return null;
    }
  };
  const stdin = link(0, "stdin");
  const stdout = link(1, "stdout");
  return { pid: dir.pid, stat, rchar, wchar, wchan, stdin, stdout, errors, linksDenied };
}

/**
 * Splits stages into chains where each one's stdout pipe is the next one's stdin, in data order
 * (pure). Stages joined to no other come back as chains of one.
 */
export function stageChains<T extends { pid: number; stdin: string | null; stdout: string | null }>(stages: readonly T[]): T[][] {
  const isPipe = (t: string | null): t is string => t?.startsWith("pipe:") === true;
  const byStdin = new Map<string, T>();
  for (const s of stages) if (isPipe(s.stdin)) byStdin.set(s.stdin, s);
  const writtenBy = new Set(stages.map((s) => s.stdout).filter(isPipe));
  const heads = stages.filter((s) => !isPipe(s.stdin) || !writtenBy.has(s.stdin)).sort((a, b) => a.pid - b.pid);
  const chains: T[][] = [];
  const placed = new Set<number>();
  for (const head of heads) {
    const chain: T[] = [];
    let s: T | undefined = head;
    while (s && !placed.has(s.pid)) {
      chain.push(s);
      placed.add(s.pid);
      s = isPipe(s.stdout) ? byStdin.get(s.stdout) : undefined;
    }
    if (chain.length > 0) chains.push(chain);
  }
  for (const s of [...stages].sort((a, b) => a.pid - b.pid)) if (!placed.has(s.pid)) chains.push([s]);
  return chains;
}

/**
 * Picks the stage that holds the pipeline back (pure). Between two stages, a writer waiting to
 * write (the pipe is full) says the slow side is downstream; a reader waiting to read (the pipe
 * is empty) says it is upstream. The bottleneck is the stage with the most such evidence
 * pointing at it; none when the evidence is too weak (every pipe neither full nor empty).
 */
export function findBottleneck(stages: readonly PipelineStage[]): { pid: number | null; reason: string } {
  if (stages.length === 0) return { pid: null, reason: "no stages" };
  const writeWait = (s: PipelineStage): number =>
    (s.pipeWriteWaitPercent ?? (isPipeWait(s.wchan) && /write|wait/.test(s.wchan ?? "") ? 100 : 0)) / 100;
  const readWait = (s: PipelineStage): number =>
    (s.pipeReadWaitPercent ?? (isPipeWait(s.wchan) && /read|wait/.test(s.wchan ?? "") ? 100 : 0)) / 100;
  const describe = (s: PipelineStage): string => `${s.comm} (${s.pid})`;
  // pressure[b] > 0: the pipe between stage b and b+1 is full (downstream is slower).
  const pressure = stages.slice(0, -1).map((s, b) => writeWait(s) - readWait(stages[b + 1] as PipelineStage));
  const strongest = Math.max(0, ...pressure.map(Math.abs));
  const busiest = [...stages].sort((a, b) => b.cpuPercent - a.cpuPercent)[0] as PipelineStage;
  // Wait samples are a few dozen and skewed when the machine is busy (a runnable task shows no
  // wait); a stage using most of a core is the better witness unless the pipes say otherwise clearly.
  if (stages.length > 1 && strongest < 0.3 && busiest.cpuPercent >= 50)
    return {
      pid: busiest.pid,
      reason: `${describe(busiest)} is CPU-bound (${busiest.cpuPercent}% CPU) and the others wait for it`,
    };
  if (stages.length > 1 && strongest < 0.05)
    return {
      pid: null,
      reason: "no pipe between the stages is mostly full or mostly empty, and no stage is CPU-bound: none holds the others back",
    };
  let best = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  stages.forEach((_, k) => {
    const score = pressure.reduce((sum, p, b) => sum + (b < k ? p : -p), 0);
    if (score > bestScore + 1e-9) {
      best = k;
      bestScore = score;
    }
  });
  const top = stages[best] as PipelineStage;
  const evidence: string[] = [];
  const before = stages[best - 1];
  const after = stages[best + 1];
  if (before && writeWait(before) > 0)
    evidence.push(`${describe(before)} waits to write to it ${Math.round(writeWait(before) * 100)}% of the time`);
  if (after && readWait(after) > 0)
    evidence.push(`${describe(after)} waits to read from it ${Math.round(readWait(after) * 100)}% of the time`);
  const own = `${top.cpuPercent}% CPU, ${top.wchan === null ? "running" : `last seen in ${top.wchan}`}`;
  return { pid: top.pid, reason: `${describe(top)} is the slowest stage (${own})${evidence.length > 0 ? `: ${evidence.join(", ")}` : ""}` };
}

function waitPercents(
  w: { samples: number; read: number; write: number } | undefined,
): Pick<PipelineStage, "pipeWaitPercent" | "pipeReadWaitPercent" | "pipeWriteWaitPercent"> {
  if (!w || w.samples === 0) return { pipeWaitPercent: null, pipeReadWaitPercent: null, pipeWriteWaitPercent: null };
  const pct = (n: number): number => Math.round((n / w.samples) * 1000) / 10;
  return { pipeWaitPercent: pct(Math.max(w.read, w.write)), pipeReadWaitPercent: pct(w.read), pipeWriteWaitPercent: pct(w.write) };
}

export interface PipelineOptions {
  /** Milliseconds between the two samples (default 1000). */
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * The pipeline PID belongs to: its process group's members joined by pipes. Given the shell that
 * started a pipeline (alone in its group), the children's group is used instead.
 * (await pipeline(context, 4242)).bottleneck
 */
export async function tracePipeline(context: ProcessContext, pid: number, options: PipelineOptions = {}): Promise<Pipeline> {
  const { procFs } = context;
  const intervalMs = options.intervalMs ?? 1000;
  const first = procFs.openProcess(pid);
  let target: PidStat;
  try {
    target = first.parse("stat", parsePidStat);
  } finally {
    first.close();
  }
  const all: PidStat[] = [];
  for (const p of procFs.listPids()) {
    try {
      all.push(procFs.parse(`${p}/stat`, parsePidStat));
    } catch (error) {
      if (!(error instanceof ProcError)) throw error;
    }
  }
  let pgid = target.pgrp;
  let members = all.filter((s) => s.pgrp === pgid);
  if (members.length <= 1) {
    const children = all.filter((s) => s.ppid === pid);
    const groups = new Map<number, number>();
    for (const c of children) groups.set(c.pgrp, (groups.get(c.pgrp) ?? 0) + 1);
    const best = [...groups].sort((a, b) => b[1] - a[1])[0];
    if (best && best[1] > 1) {
      pgid = best[0];
      members = all.filter((s) => s.pgrp === pgid);
    }
  }
  const dirs: ProcessDir[] = [];
  try {
    for (const m of members) {
      try {
        dirs.push(procFs.openProcess(m.pid));
      } catch (error) {
        if (!(error instanceof ProcessGone)) throw error;
      }
    }
    const takeAll = (): Map<number, Snap> => {
      const out = new Map<number, Snap>();
      for (const d of dirs) {
        try {
          out.set(d.pid, snap(d));
        } catch (error) {
          if (!(error instanceof ProcessGone)) throw error;
        }
      }
      return out;
    };
    const before = takeAll();
    const t0 = performance.now();
    // Sample what each stage waits on through the interval: one wchan read is a coin toss.
    const waits = new Map<number, { samples: number; read: number; write: number }>();
    const step = Math.max(10, Math.min(50, intervalMs / 10));
    while (performance.now() - t0 < intervalMs - step && !options.signal?.aborted) {
      await sleepUnlessAborted(step, options.signal);
      for (const d of dirs) {
        try {
          const w = waits.get(d.pid) ?? { samples: 0, read: 0, write: 0 };
          const wchan = d.parse("wchan", parsePidWchan);
          if (isPipeWait(wchan)) {
            // pipe_wait (before Linux 5.x) serves both directions.
            if (/read|wait/.test(wchan ?? "")) w.read++;
            if (/write|wait/.test(wchan ?? "")) w.write++;
          }
          w.samples++;
          waits.set(d.pid, w);
        } catch (error) {
          if (!(error instanceof ProcError)) throw error;
        }
      }
    }
    await sleepUnlessAborted(Math.max(0, intervalMs - (performance.now() - t0)), options.signal);
    const after = takeAll();
    const seconds = (performance.now() - t0) / 1000;
    if (members.some((m) => m.pid === pid)) {
      if (!after.has(pid) && !before.has(pid)) throw new ProcessGone(pid);
    } else {
      // A shell that started the pipeline is not in its children's group: check it on its own
      // (it used to be looked for among the stages and always reported as exited).
      const shell = procFs.openProcess(pid);
      try {
        if (shell.parse("stat", parsePidStat).startTimeTicks !== target.startTimeTicks) throw new ProcessGone(pid, { reused: true });
      } finally {
        shell.close();
      }
    }
    const ticks = context.system.clockTicks;
    const stages: PipelineStage[] = [];
    for (const [p, now] of after) {
      const then = before.get(p);
      if (then && then.stat.startTimeTicks !== now.stat.startTimeTicks) continue;
      const rate = (a: number | null | undefined, b: number | null): number | null =>
        a === null || a === undefined || b === null || seconds <= 0 ? null : Math.round(Math.max(0, b - a) / seconds);
      const cpu = then ? (now.stat.utimeTicks + now.stat.stimeTicks - then.stat.utimeTicks - then.stat.stimeTicks) / ticks / seconds : 0;
      stages.push({
        pid: p,
        comm: now.stat.comm,
        startTimeTicks: now.stat.startTimeTicks,
        state: now.stat.state,
        wchan: now.wchan,
        readBytesPerSecond: rate(then?.rchar, now.rchar),
        writeBytesPerSecond: rate(then?.wchar, now.wchar),
        cpuPercent: Math.round(cpu * 1000) / 10,
        ...waitPercents(waits.get(p)),
        stdin: now.stdin,
        stdout: now.stdout,
        errors: now.errors,
      });
    }
    const chains = stageChains(stages).filter((c) => c.length > 1);
    // The chain PID is in; for the shell that started it, the longest chain of its children.
    const joined =
      chains.find((c) => c.some((s) => s.pid === pid)) ??
      chains.filter((c) => c.some((s) => all.some((a) => a.pid === s.pid && a.ppid === pid))).sort((a, b) => b.length - a.length)[0] ??
      [];
    // Pipes hidden by permissions are no proof that there are none.
    const denied = [...after.values()].find((s) => s.linksDenied !== null)?.linksDenied;
    if (joined.length === 0 && denied) throw denied;
    if (joined.length === 0)
      throw new NotFound(`process ${pid} is not part of a pipeline (no process of group ${pgid} reads another's output through a pipe)`);
    const { pid: bottleneck, reason } = findBottleneck(joined);
    return { pgid, stages: joined, bottleneck, reason, intervalMs };
  } finally {
    for (const d of dirs) d.close();
  }
}
