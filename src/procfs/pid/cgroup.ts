/**
 * /proc/PID/cgroup — cgroups(7), "/proc/[pid]/cgroup"; proc(5).
 * One "hierarchy-ID:controller-list:cgroup-path" line per hierarchy. cgroup v1 lists its
 * controllers ("cpu,cpuacct", "name=systemd"); the v2 line is "0::/path". The path is printed
 * unescaped, relative to the reader's cgroup namespace, and on v2 gets " (deleted)" appended when
 * the cgroup was removed while a zombie still named it.
 */
import { ParseError } from "../../errors.js";
import { type LineProblem, parseEachLine, splitTableLines, type WithProblems, withProblems } from "../_lines.js";

export interface PidCgroup {
  /** 0 for the cgroup v2 (unified) hierarchy, else the v1 hierarchy ID from /proc/cgroups. */
  readonly hierarchyId: number;
  /** 2 for the unified hierarchy line "0::...", else 1. */
  readonly version: 1 | 2;
  /** Controllers bound to a v1 hierarchy, plus "name=NAME" for a named one; empty on v2. */
  readonly controllers: readonly string[];
  /** The cgroup path, "/" at the root of the hierarchy (or of the reader's cgroup namespace). */
  readonly path: string;
  /** True when the kernel marked the v2 cgroup " (deleted)" (a zombie whose cgroup was removed). */
  readonly deleted: boolean;
}

const DELETED = " (deleted)";

/**
 * Parses /proc/PID/cgroup, one entry per line in file order.
 * parsePidCgroup("0::/system.slice/nginx.service\n")[0]?.path === "/system.slice/nginx.service"
 */
export function parsePidCgroup(text: string): WithProblems<PidCgroup[]> {
  if (text === "") throw new ParseError("empty input", text, 1);
  const problems: LineProblem[] = [];
  // Every line ends with "\n"; without it the last path may be cut short (skipped).
  const lines = splitTableLines(text, problems);
  const entries = parseEachLine(lines, 0, problems, (line, lineNo): PidCgroup => {
    // The path may itself hold ":", so split at the first two colons only.
    const first = line.indexOf(":");
    const second = first < 0 ? -1 : line.indexOf(":", first + 1);
    if (second < 0) throw new ParseError('expected "hierarchy-ID:controller-list:cgroup-path"', line, lineNo);
    const idText = line.slice(0, first);
    if (!/^\d+$/.test(idText)) throw new ParseError("the hierarchy ID is not a number", line, lineNo);
    const hierarchyId = Number(idText);
    const list = line.slice(first + 1, second);
    const controllers = list === "" ? [] : list.split(",");
    if (controllers.some((c) => c === "")) throw new ParseError("empty name in the controller list", line, lineNo);
    const version = hierarchyId === 0 && controllers.length === 0 ? 2 : 1;
    let path = line.slice(second + 1);
    // Only the v2 hierarchy gets the suffix (kernel/cgroup/cgroup.c, proc_cgroup_show()).
    const deleted = version === 2 && path.endsWith(DELETED);
    if (deleted) path = path.slice(0, -DELETED.length);
    if (!deleted && !path.startsWith("/")) throw new ParseError('the cgroup path does not start with "/"', line, lineNo);
    return { hierarchyId, version, controllers, path, deleted };
  });
  return withProblems(entries, problems);
}
