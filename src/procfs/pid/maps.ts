/**
 * /proc/PID/maps — proc(5), "/proc/pid/maps".
 * One line per VMA: `start-end perms offset major:minor inode   path`. The path is padded with
 * spaces, may itself hold spaces, ends in " (deleted)" when the file was unlinked, and the kernel
 * escapes only "\n" in it (as "\012"); pseudo-paths are bracketed ([heap], [stack], [anon:NAME]).
 */
import { ParseError } from "../../errors.js";
import type { Region, RegionKind, RegionSection } from "../../model/region.js";
import { type LineProblem, parseEachLine, type WithProblems, withProblems } from "../_lines.js";

export type { Region, RegionKind, RegionSection };

const HEADER = /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) ([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) (\d+)(?: +(.*))?$/;
const DELETED = " (deleted)";

/** Parses one maps line (also the header line of each smaps block); `lineNumber` is for errors. */
export function parseMapsLine(line: string, lineNumber?: number): Region {
  const match = HEADER.exec(line);
  if (!match) throw new ParseError('expected "start-end perms offset dev inode path"', line, lineNumber);
  const [, startHex, endHex, perms, offsetHex, dev, inodeText, rawPath] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  const start = BigInt(`0x${startHex}`);
  const end = BigInt(`0x${endHex}`);
  if (end < start) throw new ParseError("region ends before it starts", line, lineNumber);
  let path: string | null = rawPath === undefined || rawPath === "" ? null : rawPath.replace(/\\012/g, "\n");
  let deleted = false;
  if (path?.endsWith(DELETED) && !path.startsWith("[")) {
    deleted = true;
    path = path.slice(0, -DELETED.length);
  }
  const inode = Number(inodeText);
  const shared = perms[3] === "s";
  return {
    start,
    end,
    sizeBytes: Number(end - start),
    perms,
    readable: perms[0] === "r",
    writable: perms[1] === "w",
    executable: perms[2] === "x",
    shared,
    offset: BigInt(`0x${offsetHex}`),
    dev,
    inode,
    path,
    deleted,
    kind: kindOf(path, deleted, dev, inode),
    section: null,
    label: regionLabel(path, null),
  };
}

function kindOf(path: string | null, deleted: boolean, dev: string, inode: number): RegionKind {
  if (path === null) return "anon";
  if (path.startsWith("[")) {
    if (path === "[heap]") return "heap";
    if (path === "[stack]" || path.startsWith("[stack:")) return "stack";
    if (path === "[vdso]") return "vdso";
    if (path === "[vvar]" || path.startsWith("[vvar_")) return "vvar";
    if (path === "[vsyscall]") return "vsyscall";
    if (path === "[uprobes]") return "uprobes";
    if (path.startsWith("[anon_shmem:")) return "shm";
    if (path.startsWith("[anon:")) return "anon";
    return "special";
  }
  if (path.startsWith("/memfd:")) return "memfd";
  // Shared anonymous memory is backed by a hidden shmem file named /dev/zero; SysV segments by
  // "/SYSV<key>"; POSIX shm_open lives in /dev/shm.
  if (path.startsWith("/SYSV") || path.startsWith("/dev/shm/") || (path === "/dev/zero" && deleted)) return "shm";
  if (deleted) return "deleted";
  if (path.startsWith("/dev/") && inode !== 0 && dev.startsWith("00:")) return "device";
  return "file";
}

/**
 * A short label for a region: its kind for pseudo-regions ("heap", "stack"), "anon" or "bss"
 * for anonymous memory, else the file's base name. The one label every command shows.
 */
export function regionLabel(path: string | null, section: RegionSection | null): string {
  if (path === null) return section === "bss" ? "bss" : "anon";
  if (path.startsWith("[")) return path.slice(1, -1);
  const slash = path.lastIndexOf("/");
  return slash >= 0 ? path.slice(slash + 1) || path : path;
}

/**
 * Tells text/rodata/data/bss of private file mappings: x → text, r-- → rodata (headers and
 * RELRO too), rw- → data, and the anonymous rw-p region that starts where a file's data ends → bss.
 */
export function withSections<T extends Region>(regions: readonly T[]): T[] {
  const out: T[] = [];
  let previous: T | undefined;
  for (const region of regions) {
    let section: RegionSection | null = null;
    if ((region.kind === "file" || region.kind === "deleted") && !region.shared) {
      section = region.executable ? "text" : region.writable ? "data" : region.readable ? "rodata" : null;
    } else if (
      region.kind === "anon" &&
      region.path === null &&
      region.perms === "rw-p" &&
      previous !== undefined &&
      previous.section === "data" &&
      previous.end === region.start
    ) {
      section = "bss";
    }
    const next: T = section === null ? region : { ...region, section, label: regionLabel(region.path, section) };
    out.push(next);
    previous = next;
  }
  return out;
}

/**
 * Parses /proc/PID/maps: one region per line, in address order; a line that does not parse is
 * skipped and listed in problemsOf(result), never hiding the others.
 * parsePidMaps("55d0-55d2 r--p 00000000 fe:00 260131  /usr/bin/cat\n")[0].kind === "file"
 */
export function parsePidMaps(text: string): WithProblems<Region[]> {
  const problems: LineProblem[] = [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const regions = parseEachLine(lines, 0, problems, (line, n) => parseMapsLine(line, n));
  return withProblems(withSections(regions), problems);
}
