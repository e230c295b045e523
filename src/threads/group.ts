/** Groups threads whose kernel stacks are identical, as pystack and eu-stack summaries do. */
import type { StackGroup } from "../model/thread.js";
import { formatStackFrame, type StackFrame } from "../procfs/pid/stack.js";
import type { ThreadStack } from "./threads.js";

export type { StackGroup };

function stackKey(stack: readonly StackFrame[] | null): string {
  return stack === null ? "\u0000unreadable" : stack.map(formatStackFrame).join("\n");
}

/**
 * Groups identical stacks, largest group first.
 * groupStacks(readThreadStacks(context, pid))[0].count  // 4 for four threads in nanosleep
 */
export function groupStacks(threads: readonly ThreadStack[]): StackGroup[] {
  const groups = new Map<string, { stack: readonly StackFrame[] | null; tids: number[]; syscalls: Set<string>; wchans: Set<string> }>();
  for (const thread of threads) {
    const key = stackKey(thread.stack);
    let group = groups.get(key);
    if (!group) {
      group = { stack: thread.stack, tids: [], syscalls: new Set(), wchans: new Set() };
      groups.set(key, group);
    }
    group.tids.push(thread.tid);
    const call = thread.syscall;
    group.syscalls.add(call === null ? "-" : call.state === "syscall" ? (call.name ?? `syscall_${call.number}`) : call.state);
    group.wchans.add(thread.wchan ?? "-");
  }
  const one = (set: Set<string>): string | null => (set.size === 1 ? ([...set][0] as string) : null);
  return [...groups.values()]
    .map((g) => ({ stack: g.stack, tids: g.tids, count: g.tids.length, syscall: one(g.syscalls), wchan: one(g.wchans) }))
    .sort((a, b) => b.count - a.count || (a.tids[0] as number) - (b.tids[0] as number));
}
