/** The one process tree, built from a listing by parent PID (ps's tree, top's tree view, the API). */

export interface TreeNode<P> {
  readonly process: P;
  readonly children: readonly TreeNode<P>[];
}

/**
 * Builds the forest of processes; siblings keep the order of the input (sort it first). With
 * `rootPid`, only that process's subtree (empty if absent). Processes whose parent is not listed
 * (PID 1, kthreadd, or one whose parent exited mid-listing) become roots.
 */
export function buildTree<P extends { readonly pid: number; readonly ppid: number }>(
  processes: readonly P[],
  rootPid?: number,
): TreeNode<P>[] {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const childrenOf = new Map<number, P[]>();
  for (const p of processes) {
    if (p.ppid === p.pid || !byPid.has(p.ppid)) continue;
    const list = childrenOf.get(p.ppid);
    if (list) list.push(p);
    else childrenOf.set(p.ppid, [p]);
  }
  const seen = new Set<number>();
  const build = (p: P): TreeNode<P> => {
    seen.add(p.pid);
    const children = (childrenOf.get(p.pid) ?? []).filter((c) => !seen.has(c.pid));
    return { process: p, children: children.map(build) };
  };
  if (rootPid !== undefined) {
    const root = byPid.get(rootPid);
    return root ? [build(root)] : [];
  }
  return processes.filter((p) => !byPid.has(p.ppid) || p.ppid === p.pid).map(build);
}

export interface TreeRow<P> {
  readonly process: P;
  /** Nesting depth, 0 for roots. */
  readonly depth: number;
  /** For each ancestor level, whether it was the last child (to draw │ or space), then whether this one is. */
  readonly lastFlags: readonly boolean[];
}

/** The forest flattened in display order, parents before children. */
export function flattenTree<P>(forest: readonly TreeNode<P>[]): TreeRow<P>[] {
  const rows: TreeRow<P>[] = [];
  const walk = (node: TreeNode<P>, depth: number, flags: boolean[]): void => {
    rows.push({ process: node.process, depth, lastFlags: flags });
    node.children.forEach((child, i) => {
      walk(child, depth + 1, [...flags, i === node.children.length - 1]);
    });
  };
  for (const root of forest) walk(root, 0, []);
  return rows;
}
