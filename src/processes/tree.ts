/** The process tree, built from a listing by parent PID. */
import type { Process } from "./process.js";

export interface ProcessNode {
  readonly process: Process;
  readonly children: readonly ProcessNode[];
}

/**
 * Builds the forest of processes. With `rootPid`, only that process's subtree (null if absent).
 * Processes whose parent is not listed (PID 1, kthreadd, or one whose parent exited
 * mid-listing) become roots.
 */
export function buildTree(processes: readonly Process[], rootPid?: number): ProcessNode[] {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const childrenOf = new Map<number, Process[]>();
  for (const p of processes) {
    if (p.ppid === p.pid) continue;
    const list = childrenOf.get(p.ppid);
    if (list) list.push(p);
    else childrenOf.set(p.ppid, [p]);
  }
  const build = (p: Process, seen: Set<number>): ProcessNode => {
    seen.add(p.pid);
    const children = (childrenOf.get(p.pid) ?? []).filter((c) => !seen.has(c.pid)).sort((a, b) => a.pid - b.pid);
    return { process: p, children: children.map((c) => build(c, seen)) };
  };
  const seen = new Set<number>();
  if (rootPid !== undefined) {
    const root = byPid.get(rootPid);
    return root ? [build(root, seen)] : [];
  }
  const roots = processes.filter((p) => !byPid.has(p.ppid) || p.ppid === p.pid).sort((a, b) => a.pid - b.pid);
  return roots.map((r) => build(r, seen));
}
