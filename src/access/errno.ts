/**
 * The one errno → typed error mapping of ProcFs (STYLE.md §3, after psutil's wrap_exceptions and
 * Deno std's fs/_map_error.ts). Pure: what it needs to know about the process comes in `context`,
 * so it is tested without a /proc. The original error is kept as `cause`.
 */
import { AccessDenied, errnoCode, ProcessGone, Unavailable } from "../errors.js";

export interface ErrnoContext {
  /** The path as the user should see it, e.g. "/proc/42/status". */
  readonly path: string;
  /** The process the path belongs to, if any. */
  readonly pid: number | undefined;
  /** True when the read went through a pinned process directory (ProcessDir). */
  readonly pinned: boolean;
  /** True on a captured tree, where a missing file was simply not captured. */
  readonly captured?: boolean;
  /** On a captured tree: why the kernel refused this path at capture time, or null (access/captured.ts). */
  readonly deniedAtCapture?: () => string | null;
  /** Whether that process still exists (its pinned directory, or `PID/stat`, is still there). */
  readonly alive: () => boolean;
  /** Why access was refused, in words a user can act on (access/denied.ts). */
  readonly explainDenied: (code: "EACCES" | "EPERM") => string;
}

/**
 * Maps a failed read to a typed error:
 * - ESRCH: `Unavailable` if the pinned process is still alive (a zombie or an exiting process
 *   answers ESRCH for files that need its memory), else `ProcessGone`;
 * - ENOENT/ENOTDIR: `ProcessGone` only if the process really is gone, else `Unavailable` (psutil
 *   issues #1014, #2418); on a capture, `AccessDenied` when the kernel refused it at capture time;
 * - EACCES/EPERM: `AccessDenied` with the reason; EIO/EINVAL/EOPNOTSUPP: `Unavailable`;
 * - anything else is returned as it was (an Error).
 *
 * mapErrno(enoent, { path: "/proc/42/io", pid: 42, pinned: true, alive: () => true, explainDenied })
 *   → Unavailable('"/proc/42/io" does not exist')
 */
export function mapErrno(error: unknown, context: ErrnoContext): Error {
  const code = errnoCode(error);
  const { path, pid } = context;
  switch (code) {
    case "ESRCH":
      if (context.pinned && context.alive())
        return new Unavailable(`cannot read "${path}": the process has no memory (zombie or exiting)`, { path, cause: error });
      return pid === undefined
        ? new Unavailable(`"${path}" is gone`, { path, cause: error })
        : new ProcessGone(pid, { path, cause: error });
    case "ENOENT":
    case "ENOTDIR": {
      const denied = context.captured ? (context.deniedAtCapture?.() ?? null) : null;
      if (denied !== null) return new AccessDenied(path, denied, error);
      if (pid !== undefined && !context.alive()) return new ProcessGone(pid, { path, cause: error });
      return new Unavailable(`"${path}" does not exist${context.captured ? ": not captured" : ""}`, { path, cause: error });
    }
    case "EACCES":
    case "EPERM":
      return new AccessDenied(path, context.explainDenied(code), error);
    case "EIO":
    case "EINVAL":
    case "EOPNOTSUPP":
      return new Unavailable(`cannot read "${path}": ${code}`, { path, cause: error });
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}
