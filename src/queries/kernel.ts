/** What `stack PID --json` answers, shaped once for the CLI and the server. */
import { groupStacks } from "../threads/group.js";
import { readThreadStacks, type ThreadContext } from "../threads/threads.js";

export function stackResult(context: ThreadContext, pid: number, options: { tid?: number; group?: boolean } = {}) {
  const threads = readThreadStacks(context, pid, options.tid === undefined ? {} : { tid: options.tid });
  const groups =
    options.group === false
      ? threads.map((t) => ({ stack: t.stack, tids: [t.tid], count: 1, syscall: null, wchan: t.wchan }))
      : groupStacks(threads);
  return { pid, threads, groups };
}
