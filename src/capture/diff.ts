/**
 * `diff BEFORE [AFTER]`: what changed between two snapshots (two captures, or a capture and the
 * live system). Processes are matched by PID and start time, so a reused PID is one process that
 * ended and another that started. Reported: processes started and ended, changed executables and
 * command lines, RSS and fd-count changes above thresholds, new listening sockets, new
 * deleted-but-open files, new audit findings.
 */

import { audit, RULE_IDS } from "../audit/audit.js";
import { listOpenFiles } from "../files/fds.js";
import { readSocketTables, scanSocketHolders, socketOwners } from "../files/sockets.js";
import type { SnapshotDiff } from "../model/capture.js";
import type { Finding } from "../model/finding.js";
import { listProcesses, type ProcessContext } from "../model/reader.js";

export interface DiffOptions {
  /** Smallest RSS change reported (bytes). Default 64 MiB. */
  readonly rssThresholdBytes?: number;
  /** Smallest fd-count change reported. Default 64. */
  readonly fdThreshold?: number;
  /** Compare audit findings too (default true). */
  readonly findings?: boolean;
}

export type { SnapshotDiff } from "../model/capture.js";
export type DiffProcess = SnapshotDiff["started"][number];
export type DiffChange = SnapshotDiff["changed"][number];
export type DiffListener = SnapshotDiff["newListeners"][number];
export type DiffDeletedFile = SnapshotDiff["newDeletedFiles"][number];

const FIELDS = ["comm", "exe", "cmdline", "rssBytes", "fdCount", "kernelThread"] as const;

type Row = DiffProcess & { rssBytes: number | null; fdCount: number | null; kernelThread: boolean };

function key(pid: number, ticks: number): string {
  return `${pid}@${ticks}`;
}

function processesOf(context: ProcessContext, exclude: number | null): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const p of listProcesses(context, { fields: FIELDS }).processes) {
    if (p.pid === exclude) continue;
    rows.set(key(p.pid, p.startTimeTicks), p);
  }
  return rows;
}

function brief(p: Row): DiffProcess {
  return { pid: p.pid, startTimeTicks: p.startTimeTicks, comm: p.comm, exe: p.exe, cmdline: p.cmdline };
}

function listenersOf(context: ProcessContext): Map<string, DiffListener> {
  const tables = readSocketTables(context.procFs);
  const owners = socketOwners(scanSocketHolders(context));
  const out = new Map<string, DiffListener>();
  for (const s of tables.sockets) {
    if (s.state !== "LISTEN" && !(s.protocol.startsWith("udp") && s.state === "UNCONN" && s.remotePort === 0)) continue;
    if (s.protocol === "unix" && s.path === null) continue;
    const k = `${s.protocol} ${s.localAddress ?? ""} ${s.localPort ?? ""} ${s.path ?? ""}`;
    out.set(k, {
      protocol: s.protocol,
      address: s.localAddress,
      port: s.localPort,
      path: s.path,
      owners: (owners.get(s.inode) ?? []).map((o) => ({ pid: o.pid, comm: o.comm })),
    });
  }
  return out;
}

function deletedFilesOf(context: ProcessContext, exclude: number | null): Map<string, DiffDeletedFile> {
  const out = new Map<string, DiffDeletedFile>();
  for (const p of listOpenFiles(context, { fdinfo: false, keepUnreadable: false, filter: (f) => f.deleted && f.path !== null })) {
    if (p.pid === exclude) continue;
    for (const f of p.fds ?? []) {
      const k = `${key(p.pid, p.startTimeTicks)} ${f.fd} ${f.path}`;
      out.set(k, { pid: p.pid, startTimeTicks: p.startTimeTicks, comm: p.comm, fd: f.fd, path: f.path as string, sizeBytes: f.sizeBytes });
    }
  }
  return out;
}

function findingKey(f: Finding): string {
  return f.pid === null ? `${f.rule} system ${f.summary}` : `${f.rule} ${key(f.pid, f.startTimeTicks ?? 0)}`;
}

/**
 * Compares two snapshots. `afterSelf`: our own PID when `after` is the live system (left out).
 * const d = await diffSnapshots(beforeContext, liveContext); d.started
 */
export async function diffSnapshots(
  before: ProcessContext,
  after: ProcessContext,
  options: DiffOptions = {},
  afterSelf: number | null = null,
): Promise<SnapshotDiff> {
  const rssThreshold = options.rssThresholdBytes ?? 64 * 1024 * 1024;
  const fdThreshold = options.fdThreshold ?? 64;
  const a = processesOf(before, null);
  const b = processesOf(after, afterSelf);
  const started = [...b].filter(([k]) => !a.has(k)).map(([, p]) => brief(p));
  const ended = [...a].filter(([k]) => !b.has(k)).map(([, p]) => brief(p));
  const changed: DiffChange[] = [];
  for (const [k, old] of a) {
    const now = b.get(k);
    if (!now) continue;
    if (old.exe !== null && now.exe !== null && old.exe !== now.exe)
      changed.push({ ...brief(now), field: "exe", before: old.exe, after: now.exe });
    if (old.cmdline !== null && now.cmdline !== null && old.cmdline.join("\0") !== now.cmdline.join("\0"))
      changed.push({ ...brief(now), field: "cmdline", before: old.cmdline, after: now.cmdline });
    if (old.rssBytes !== null && now.rssBytes !== null && Math.abs(now.rssBytes - old.rssBytes) >= rssThreshold)
      changed.push({ ...brief(now), field: "rssBytes", before: old.rssBytes, after: now.rssBytes });
    if (old.fdCount !== null && now.fdCount !== null && Math.abs(now.fdCount - old.fdCount) >= fdThreshold)
      changed.push({ ...brief(now), field: "fdCount", before: old.fdCount, after: now.fdCount });
  }
  const listenersBefore = listenersOf(before);
  const newListeners = [...listenersOf(after)].filter(([k]) => !listenersBefore.has(k)).map(([, l]) => l);
  const deletedBefore = deletedFilesOf(before, null);
  const newDeletedFiles = [...deletedFilesOf(after, afterSelf)].filter(([k]) => !deletedBefore.has(k)).map(([, f]) => f);
  let newFindings: Finding[] = [];
  if (options.findings !== false) {
    // The same rules on both sides: those a capture can answer (no memory scan, no live-only views).
    // smaps is not captured: patched-code runs only when both sides are live.
    const rules =
      before.procFs.isLive && after.procFs.isLive ? undefined : RULE_IDS.filter((id) => id !== "patched-code" && id !== "secret-in-memory");
    const findingsBefore = new Set((await audit(before, rules ? { rules } : {})).findings.map(findingKey));
    newFindings = (await audit(after, rules ? { rules } : {})).findings.filter(
      (f) => !findingsBefore.has(findingKey(f)) && f.pid !== afterSelf,
    );
  }
  return { started, ended, changed, newListeners, newDeletedFiles, newFindings };
}

/** True when nothing changed. */
export function isEmptyDiff(d: SnapshotDiff): boolean {
  return (
    d.started.length + d.ended.length + d.changed.length + d.newListeners.length + d.newDeletedFiles.length + d.newFindings.length === 0
  );
}
