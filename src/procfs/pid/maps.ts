/**
 * /proc/PID/maps — proc(5), "/proc/pid/maps".
 * One line per VMA: `start-end perms offset major:minor inode   path`. The path is padded with
 * spaces, may itself hold spaces, ends in " (deleted)" when the file was unlinked, and the kernel
 * escapes only "\n" in it (as "\012"); pseudo-paths are bracketed ([heap], [stack], [anon:NAME]).
 */
import { ParseError } from "../../errors.js";
import { type LineProblem, parseEachLine, type WithProblems, withProblems } from "../_lines.js";

/** What a region is, told from its path, device and inode. */
export type RegionKind =
  | "heap"
  | "stack"
  | "vdso"
  | "vvar"
  | "vsyscall"
  | "uprobes"
  | "file"
  | "deleted"
  | "memfd"
  | "shm"
  | "device"
  | "anon"
  | "special";

/** Which part of a mapped executable or library a region holds, where perms and offset tell it. */
export type RegionSection = "text" | "rodata" | "data" | "bss";

export interface MapsRegion {
  readonly start: bigint;
  readonly end: bigint;
  /** end - start, in bytes. */
  readonly size: number;
  /** The kernel's four letters, e.g. "rw-p". */
  readonly perms: string;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly executable: boolean;
  /** "s": writes reach the file (or shared memory) and every other process mapping it. */
  readonly shared: boolean;
  /** Offset into the mapped file (or the page offset for anonymous mappings). */
  readonly offset: bigint;
  /** "major:minor" in hex, as the kernel prints it. */
  readonly dev: string;
  readonly inode: number;
  /** The path or pseudo-path ("[heap]"), " (deleted)" removed; null for an anonymous mapping. */
  readonly path: string | null;
  /** The mapped file was unlinked (the kernel appended " (deleted)"). */
  readonly deleted: boolean;
  readonly kind: RegionKind;
  /** text / rodata / data / bss for private file mappings (and the bss right after them). */
  readonly section: RegionSection | null;
}

const HEADER = /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) ([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) (\d+)(?: +(.*))?$/;
const DELETED = " (deleted)";

/** Parses one maps line (also the header line of each smaps block); `lineNumber` is for errors. */
export function parseMapsLine(line: string, lineNumber?: number): MapsRegion {
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
    size: Number(end - start),
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
 * Tells text/rodata/data/bss of private file mappings: x → text, r-- → rodata (headers and
 * RELRO too), rw- → data, and the anonymous rw-p region that starts where a file's data ends → bss.
 */
export function withSections<T extends MapsRegion>(regions: readonly T[]): T[] {
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
    const next: T = section === null ? region : { ...region, section };
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
export function parsePidMaps(text: string): WithProblems<MapsRegion[]> {
  const problems: LineProblem[] = [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const regions = parseEachLine(lines, 0, problems, (line, n) => parseMapsLine(line, n));
  return withProblems(withSections(regions), problems);
}
