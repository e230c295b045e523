/**
 * Open file descriptors: /proc/PID/fd links classified, with offset and flags from fdinfo and the
 * inode, size and device from a stat through the link. The `FileDescriptor` shape is shared by
 * `fds`, `lsof`, the HTTP API and the web UI.
 */
import type { ProcessDir, ProcFs } from "../access/proc-fs.js";
import { decodeBytes, rawBase64IfInvalid } from "../bytes.js";
import { AccessDenied, NotFound, ParseError, ProcError, ProcessGone, Unavailable } from "../errors.js";
import { parseMapsWithTwins } from "../memory/maps.js";
import type { FdType, FileDescriptor, FileUse, ProcessFiles } from "../model/file-descriptor.js";
import { fieldFailure, ProcessFileCache, type RawBase64, readProcessFields } from "../model/reader.js";
import type { Region } from "../model/region.js";
import type { FieldErrors, ProcessContext } from "../processes/process.js";
import { type LineProblem, problemsOf, type WithProblems, withProblems } from "../procfs/_lines.js";
import { decodeOpenFlags, type PidFdinfo, parsePidFdinfo } from "../procfs/pid/fdinfo.js";
import { type PidStatIdentity, parsePidStatIdentity } from "../procfs/pid/stat.js";
import { type FdTableCursor, type FdTableRecord, type FollowedStat, readFdTables } from "./fd-tables.js";

export type { FdType, FileDescriptor, FileUse, ProcessFiles };

export const FD_TYPES: readonly FdType[] = ["file", "dir", "pipe", "fifo", "socket", "anon_inode", "memfd", "dev", "tty", "unknown"];

interface Classified {
  readonly type: FdType;
  readonly anonKind: string | null;
  readonly path: string | null;
  readonly inode: number | null;
  readonly deletedSuffix: boolean;
}

const DELETED = " (deleted)";

/**
 * Classifies a /proc/PID/fd link text without any I/O. Paths come back as type "file" until a
 * stat says otherwise.
 * classifyTarget("pipe:[42]") → { type: "pipe", inode: 42, ... }
 */
export function classifyTarget(target: string): Classified {
  // Paths first, and by their first character: most fds of a listing are paths or pipes and
  // sockets, and a regular expression for every link is a cost a listing notices.
  if (target.startsWith("/")) {
    const deletedSuffix = target.endsWith(DELETED);
    const path = deletedSuffix ? target.slice(0, -DELETED.length) : target;
    if (path.startsWith("/memfd:")) return { type: "memfd", anonKind: null, path, inode: null, deletedSuffix };
    return { type: "file", anonKind: null, path, inode: null, deletedSuffix };
  }
  // "pipe:[N]" and "socket:[N]", the most common links after paths, without a regular expression.
  const kind = target.startsWith("pipe:[") ? "pipe" : target.startsWith("socket:[") ? "socket" : null;
  if (kind !== null) {
    const inode = bracketNumber(target, kind.length + 2);
    if (inode !== null) return { type: kind, anonKind: null, path: null, inode, deletedSuffix: false };
  }
  const bracket = /^(pipe|socket|net|mnt|cgroup|user|pid|ipc|uts|time):\[(\d+)\]$/.exec(target);
  if (bracket) {
    const kind = bracket[1] as string;
    const inode = Number(bracket[2]);
    if (kind === "pipe" || kind === "socket") return { type: kind, anonKind: null, path: null, inode, deletedSuffix: false };
    return { type: "unknown", anonKind: kind, path: null, inode, deletedSuffix: false };
  }
  if (target.startsWith("anon_inode:")) {
    const kind = target.slice("anon_inode:".length).replace(/^\[(.*)\]$/, "$1");
    return { type: "anon_inode", anonKind: kind, path: null, inode: null, deletedSuffix: false };
  }
  return { type: "unknown", anonKind: null, path: null, inode: null, deletedSuffix: false };
}

/** The number of "kind:[N]" from `start` (after the bracket) to the closing bracket at the end; null if not so. */
function bracketNumber(target: string, start: number): number | null {
  const end = target.length - 1;
  if (end <= start || end - start > 15 || target.charCodeAt(end) !== 93) return null;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = target.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return null;
    value = value * 10 + digit;
  }
  return value;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
const S_IFSOCK = 0o140000;

function typeFromMode(mode: number, path: string): FdType {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return path.startsWith("/memfd:") ? "memfd" : "file";
    case S_IFDIR:
      return "dir";
    case S_IFCHR:
      return /^\/dev\/(pts\/|tty|console$|ptmx$)/.test(path) ? "tty" : "dev";
    case S_IFBLK:
      return "dev";
    case S_IFIFO:
      return "fifo";
    case S_IFSOCK:
      return "socket";
    default:
      return "unknown";
  }
}

/**
 * "major:minor" of the dev_t that stat returns, as glibc's gnu_dev_major/minor split it. The
 * kernel's own dev_t has 32 bits, so the encoded value stays below 2^44 and a number holds it.
 */
export function devString(dev: number | bigint): string {
  const value = Number(dev);
  const high = Math.floor(value / 2 ** 32);
  const low = value >>> 0;
  const major = (((low >>> 8) & 0xfff) | (high & 0xfffff000)) >>> 0;
  const minor = ((low & 0xff) | (((low >>> 12) | (high << 20)) & 0xffffff00)) >>> 0;
  return `${major}:${minor}`;
}

/** A listing meets the same few devices thousands of times: make each one's text once. */
const deviceTexts = new Map<number, string>();
function deviceText(dev: number): string {
  let text = deviceTexts.get(dev);
  if (text === undefined) {
    text = devString(dev);
    deviceTexts.set(dev, text);
  }
  return text;
}

/** A listing decodes the same few flag values thousands of times: decode each once. */
const decodedOpenFlags = new Map<number, readonly string[]>();
function openFlagNames(flags: number): readonly string[] {
  let names = decodedOpenFlags.get(flags);
  if (names === undefined) {
    names = Object.freeze(decodeOpenFlags(flags));
    decodedOpenFlags.set(flags, names);
  }
  return names;
}

function closedMeanwhile(pid: number, fd: number, cause: Unavailable): NotFound {
  return new NotFound(`process ${pid} has no fd ${fd} (it was closed)`, { path: cause.path, cause });
}

/** Where readFd gets an fd's facts: a process directory, or a table the native helper read. */
interface FdFacts {
  readonly pid: number;
  /** The link text, decoded. */
  link(fd: number): string;
  /** The bytes of the link last read by link(), when its text may show `\xNN`; null otherwise. */
  linkBytes(): Uint8Array | null;
  stat(fd: number): FollowedStat;
  /** Permission bits of the link itself. */
  linkMode(fd: number): number;
  fdinfo(fd: number): PidFdinfo;
}

function dirFacts(dir: ProcessDir): FdFacts {
  let lastLink: Uint8Array | null = null;
  return {
    pid: dir.pid,
    link: (fd) => {
      lastLink = dir.readLink(`fd/${fd}`);
      return decodeBytes(lastLink);
    },
    linkBytes: () => lastLink,
    stat: (fd) => {
      const st = dir.statFile(`fd/${fd}`);
      return { mode: Number(st.mode), ino: Number(st.ino), dev: Number(st.dev), nlink: Number(st.nlink), size: Number(st.size) };
    },
    linkMode: (fd) => dir.lstatFile(`fd/${fd}`).mode,
    fdinfo: (fd) => dir.parse(`fdinfo/${fd}`, parsePidFdinfo),
  };
}

/**
 * Facts read ahead by the native helper, one fd at a time (one object serves a whole listing:
 * set `pid` and `entry` before each readFdFrom; the entry is the record's cursor, moved to the fd).
 * The helper reads exactly what readFd asks for, so a gap is a bug.
 */
class TableFacts implements FdFacts {
  pid = 0;
  entry: FdTableCursor | null = null;
  /** fdinfo() hands this out for the kernel's usual text: readFdFrom takes its numbers at once. */
  private readonly head = { pos: 0, flags: 0, mntId: 0, ino: null as number | null, extra: NO_EXTRA };

  private missing(what: string): Error {
    return new Error(`the native fd table of process ${this.pid} lacks ${what} for fd ${this.entry?.fd}`);
  }

  private current(): FdTableCursor {
    if (this.entry === null) throw new Error("no native fd table entry");
    return this.entry;
  }

  link(): string {
    return this.current().link;
  }

  linkBytes(): Uint8Array | null {
    return this.current().linkBytes;
  }

  stat(): FollowedStat {
    const entry = this.current();
    if (!entry.hasStat) throw this.missing("a stat");
    return entry;
  }

  linkMode(): number {
    const mode = this.current().linkMode;
    if (mode === null) throw this.missing("the link mode");
    return mode;
  }

  fdinfo(fd: number): PidFdinfo {
    const entry = this.current();
    if (entry.fdinfoHead(this.head)) return this.head;
    const text = entry.fdinfo();
    if (text === null) throw this.missing("fdinfo");
    try {
      return parsePidFdinfo(text);
    } catch (error) {
      if (error instanceof ParseError) throw error.withPath(`/proc/${this.pid}/fdinfo/${fd}`);
      throw error;
    }
  }
}

const NO_EXTRA: readonly string[] = Object.freeze([]);

export interface ReadFdOptions {
  /** Read fdinfo (pos, flags, mnt_id). Default true. */
  readonly fdinfo?: boolean;
  /** stat() path targets for type, size, inode and device. Default true. */
  readonly stat?: boolean;
  /** Read fdinfo only for fds of these types (default: all). */
  readonly fdinfoTypes?: readonly FdType[];
  /**
   * For fds whose fdinfo is skipped, take the access mode from the link's permission bits
   * (one lstat instead of reading fdinfo; the kernel sets them from f_mode), as lsof does.
   */
  readonly modeFromLink?: boolean;
}

/**
 * What listings read fdinfo for: the fds where an offset means something. Pipes, sockets and anon
 * inodes get their access mode from the link instead (lsof's way), which makes a listing of
 * every process about a third faster; `fds PID` reads fdinfo for all.
 */
export const LISTING_FDINFO: ReadFdOptions = {
  fdinfoTypes: ["file", "dir", "memfd", "dev", "tty", "fifo", "unknown"],
  modeFromLink: true,
};

const SKIPPED_FDINFO = "not read in listings (fds PID reads it)";

/** The errors of an fd read whole, and of one whose fdinfo a listing skipped (keys in readFdFrom's order). */
const NO_ERRORS: FieldErrors = Object.freeze({});
const SKIPPED_FDINFO_ERRORS: FieldErrors = (() => {
  const errors: FieldErrors = {};
  errors.pos = errors.flags = errors.mntId = SKIPPED_FDINFO;
  return Object.freeze(errors);
})();

type FdMode = NonNullable<FileDescriptor["mode"]>;

/**
 * The access mode of open flags (O_ACCMODE) in lsof's letters, as the tables show them: r read,
 * w write, u read and write (3, which open(2) reserves, reads as u as lsof has it).
 */
const ACCESS_MODES: readonly FdMode[] = ["r", "w", "u", "u"];

/**
 * Reads one fd of an open process directory. Throws NotFound when the fd is not open (or closed
 * meanwhile), ProcessGone when the process exited.
 */
export function readFd(dir: ProcessDir, fd: number, options: ReadFdOptions = {}): FileDescriptor {
  return readFdFrom(dirFacts(dir), fd, options);
}

function readFdFrom(facts: FdFacts, fd: number, options: ReadFdOptions): FileDescriptor {
  const pid = facts.pid;
  let target: string;
  try {
    target = facts.link(fd);
  } catch (error) {
    if (error instanceof Unavailable) throw new NotFound(`process ${pid} has no fd ${fd}`, { path: error.path, cause: error });
    throw error;
  }
  const c = classifyTarget(target);
  // Most fds have no errors, or only fdinfo's skip in a listing: those share one frozen object each,
  // and an object of their own is made only for a failure.
  let errors: FieldErrors | null = null;
  let skippedFdinfo = false;
  let type = c.type;
  let inode = c.inode;
  let deleted = c.deletedSuffix;
  let size: number | null = null;
  let device: string | null = null;
  let path = c.path;
  if (c.path !== null && options.stat !== false) {
    try {
      const st = facts.stat(fd);
      type = typeFromMode(st.mode, c.path);
      inode = st.ino;
      device = deviceText(st.dev);
      // The suffix alone could be part of a real name; nlink 0 is the kernel's word.
      deleted = c.deletedSuffix && st.nlink === 0;
      if (c.deletedSuffix && !deleted) path = target;
      if (type === "file" || type === "memfd") size = st.size;
    } catch (error) {
      if (error instanceof Unavailable) throw closedMeanwhile(pid, fd, error);
      errors = {};
      errors.inode = errors.size = fieldFailure(error);
    }
  }
  let pos: number | null = null;
  let flags: readonly string[] | null = null;
  let mode: FdMode | null = null;
  let mntId: number | null = null;
  if (options.fdinfo !== false && (options.fdinfoTypes === undefined || options.fdinfoTypes.includes(type))) {
    try {
      const info = facts.fdinfo(fd);
      pos = info.pos;
      flags = openFlagNames(info.flags);
      mode = ACCESS_MODES[info.flags & 3] as FdMode;
      mntId = info.mntId;
      if (inode === null && info.ino !== null) inode = info.ino;
      // Not stat'ed (a captured tree): O_DIRECTORY still tells a directory from a file.
      if (type === "file" && device === null && (info.flags & 0o200000) !== 0) type = "dir";
    } catch (error) {
      if (error instanceof Unavailable) throw closedMeanwhile(pid, fd, error);
      errors ??= {};
      errors.pos = errors.flags = errors.mode = errors.mntId = fieldFailure(error);
    }
  } else if (options.modeFromLink && options.fdinfo !== false) {
    skippedFdinfo = true;
    if (errors !== null) errors.pos = errors.flags = errors.mntId = SKIPPED_FDINFO;
    // The kernel opens every socket O_RDWR (sock_alloc_file), so the lstat would say nothing new.
    if (c.type === "socket") {
      mode = "u";
    } else {
      try {
        const linkMode = facts.linkMode(fd);
        const r = (linkMode & 0o400) !== 0;
        const w = (linkMode & 0o200) !== 0;
        mode = r && w ? "u" : w ? "w" : "r";
      } catch (error) {
        if (error instanceof Unavailable) throw closedMeanwhile(pid, fd, error);
        if (errors === null) {
          errors = {};
          errors.pos = errors.flags = errors.mntId = SKIPPED_FDINFO;
        }
        errors.mode = fieldFailure(error);
      }
    }
  }
  return {
    pid,
    fd,
    target,
    type,
    anonKind: c.anonKind,
    path,
    inode,
    deleted,
    posBytes: pos,
    flags,
    mode,
    mntId,
    sizeBytes: size,
    device,
    errors: errors ?? (skippedFdinfo ? SKIPPED_FDINFO_ERRORS : NO_ERRORS),
    ...(target.includes("\\x") ? linkTwins(facts.linkBytes(), target, path) : undefined),
  };
}

const DELETED_SUFFIX_LENGTH = " (deleted)".length;

/** rawBase64 of an fd whose link is not valid UTF-8: the target's bytes, and the path's (the target without " (deleted)"). */
function linkTwins(bytes: Uint8Array | null, target: string, path: string | null): { rawBase64: RawBase64 } | undefined {
  const targetTwin = bytes === null ? null : rawBase64IfInvalid(bytes);
  if (bytes === null || targetTwin === null) return undefined;
  const rawBase64: RawBase64 = { target: targetTwin };
  if (path !== null) {
    const pathBytes = path === target ? bytes : bytes.subarray(0, bytes.length - DELETED_SUFFIX_LENGTH);
    const pathTwin = rawBase64IfInvalid(pathBytes);
    if (pathTwin !== null) rawBase64.path = pathTwin;
  }
  return { rawBase64 };
}

/** Reads all fds of an open process directory; fds closed meanwhile are skipped. */
export function readFds(dir: ProcessDir, options: ReadFdOptions = {}): FileDescriptor[] {
  const names = dir.listDir("fd");
  const fds: FileDescriptor[] = [];
  for (const name of names) {
    try {
      fds.push(readFd(dir, Number(name), options));
    } catch (error) {
      if (error instanceof NotFound) continue;
      throw error;
    }
  }
  return sortByFd(fds);
}

/** /proc/PID/fd lists fds in ascending order already: check before paying for a sort. */
function sortByFd(fds: FileDescriptor[]): FileDescriptor[] {
  for (let i = 1; i < fds.length; i++) {
    if ((fds[i - 1] as FileDescriptor).fd > (fds[i] as FileDescriptor).fd) return fds.sort((a, b) => a.fd - b.fd);
  }
  return fds;
}

/**
 * Checks that a process exists and its fd table can be read, so a command about one process says
 * why (ProcessGone, AccessDenied with the reason) instead of showing an empty result.
 */
export function requireReadableFds(procFs: ProcFs, pid: number): void {
  const dir = procFs.openProcess(pid);
  try {
    dir.listDir("fd");
  } catch (error) {
    // A captured tree without the fd directory: nothing to list, which is not an error.
    if (!(error instanceof Unavailable)) throw error;
  } finally {
    dir.close();
  }
}

/**
 * Lists the open fds of one process. Throws ProcessGone / AccessDenied.
 * listFds(openProcFs(), 1).find((f) => f.fd === 0)?.target
 */
export function listFds(procFs: ProcFs, pid: number, options: ReadFdOptions = {}): FileDescriptor[] {
  const dir = procFs.openProcess(pid);
  try {
    return readFds(dir, forRoot(procFs, options));
  } finally {
    dir.close();
  }
}

/**
 * On a captured tree the fd links point into the machine we run on, not the one captured: do not
 * stat through them or read modes from their permission bits; use the captured fdinfo alone.
 */
function forRoot<T extends ReadFdOptions>(procFs: ProcFs, options: T): T {
  if (procFs.isLive) return options;
  const { fdinfoTypes: _types, ...rest } = options;
  return { ...rest, stat: false, modeFromLink: false } as T;
}

export interface ListOpenFilesOptions extends ReadFdOptions {
  /** Only these PIDs. */
  readonly pids?: readonly number[];
  /** Keep only fds for which this returns true; processes left with none are dropped. */
  readonly filter?: (fd: FileDescriptor) => boolean;
  /** Keep processes whose fd directory could not be read (with fds null). Default true. */
  readonly keepUnreadable?: boolean;
  /**
   * Told of each process whose fds could not be read (hidden by hidepid, another user's), so a
   * listing can say how many it could not look at (SkippedTally); exited processes are not reported.
   */
  readonly onSkipped?: (pid: number, error: ProcError) => void;
  /** Told of each process whose maps had lines that did not parse (the files they map were not looked at as uses). */
  readonly onSkippedLines?: (pid: number, file: string, problems: readonly LineProblem[]) => void;
  /**
   * Also read the files each process uses other than through an fd (cwd, rtd, txt, mem, as lsof
   * and fuser report them) and keep those this accepts; a process is kept when an fd or a use
   * matches. Absent: `uses` is null (errors.uses says so).
   */
  readonly uses?: (use: FileUse) => boolean;
}

const USES_NOT_READ = "read only when asking who holds a file";

/** The links of /proc/PID that name files in use, by lsof's name for them. */
const USE_LINKS: ReadonlyArray<readonly [FileUse["use"], string]> = [
  ["cwd", "cwd"],
  ["rtd", "root"],
  ["txt", "exe"],
];

/** "08:01" (hex, as maps prints it) → "8:1" (decimal, as devString prints stat's). */
function mapsDevice(dev: string): string {
  const [major = "0", minor = "0"] = dev.split(":");
  return `${Number.parseInt(major, 16)}:${Number.parseInt(minor, 16)}`;
}

/**
 * The files a process uses other than through an fd: cwd, root and exe links (stat'ed for the
 * file's identity when `stat`), and each distinct file mapped into memory other than the program.
 * A link the kernel does not offer (a kernel thread's exe) is left out; AccessDenied is thrown.
 */
export function readFileUses(dir: ProcessDir, accept: (use: FileUse) => boolean, stat = true): WithProblems<FileUse[]> {
  const uses: FileUse[] = [];
  const seen = new Set<string>();
  for (const [use, link] of USE_LINKS) {
    let target: string;
    let targetBytes: Buffer;
    try {
      targetBytes = dir.readLink(link);
      target = decodeBytes(targetBytes);
    } catch (error) {
      if (error instanceof Unavailable) continue;
      throw error;
    }
    const deletedSuffix = target.endsWith(DELETED);
    let path = target.startsWith("/") ? (deletedSuffix ? target.slice(0, -DELETED.length) : target) : null;
    let inode: number | null = null;
    let device: string | null = null;
    let deleted = false;
    if (stat) {
      try {
        const st = dir.statFile(link);
        inode = Number(st.ino);
        device = devString(st.dev);
        deleted = deletedSuffix && st.nlink === 0n;
        if (deletedSuffix && !deleted) path = target;
      } catch (error) {
        if (!(error instanceof Unavailable)) throw error;
      }
    }
    if (use === "txt" && device !== null) seen.add(`${device}:${inode}`);
    const pathTwin = path?.includes("\\x")
      ? rawBase64IfInvalid(targetBytes.subarray(0, path === target ? undefined : -DELETED.length))
      : null;
    const entry: FileUse = { use, path, inode, device, deleted, ...(pathTwin === null ? {} : { rawBase64: { path: pathTwin } }) };
    if (accept(entry)) uses.push(entry);
  }
  let regions: Region[];
  try {
    regions = dir.parseBytes("maps", parseMapsWithTwins);
  } catch (error) {
    if (error instanceof Unavailable) return withProblems(uses, []);
    throw error;
  }
  for (const r of regions) {
    if (r.inode === 0 || r.path === null || !r.path.startsWith("/")) continue;
    const device = mapsDevice(r.dev);
    const key = `${device}:${r.inode}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const entry: FileUse = {
      use: "mem",
      path: r.path,
      inode: r.inode,
      device,
      deleted: r.deleted,
      ...(r.rawBase64 ? { rawBase64: r.rawBase64 } : {}),
    };
    if (accept(entry)) uses.push(entry);
  }
  return withProblems(uses, problemsOf(regions));
}

/** The uses of a process for a listing: the list, or null with the reason in errors.uses. */
function usesOf(
  pid: number,
  read: (accept: (use: FileUse) => boolean) => FileUse[],
  options: ListOpenFilesOptions,
  errors: FieldErrors,
): FileUse[] | null {
  if (!options.uses) {
    errors.uses = USES_NOT_READ;
    return null;
  }
  try {
    const uses = read(options.uses);
    const skipped = problemsOf(uses);
    if (skipped.length > 0) options.onSkippedLines?.(pid, "maps", skipped);
    return uses;
  } catch (error) {
    errors.uses = fieldFailure(error);
    return null;
  }
}

/**
 * Lists open fds across processes, like `lsof`. Never throws per process: vanished processes are
 * skipped, an unreadable fd directory becomes `fds: null` with the reason.
 * listOpenFiles(context, { filter: (f) => f.deleted })
 */
export function listOpenFiles(context: ProcessContext, options: ListOpenFilesOptions = {}): ProcessFiles[] {
  return [...iterateOpenFiles(context, options)];
}

/** listOpenFiles() one process at a time, for output written as it is read. */
export function* iterateOpenFiles(context: ProcessContext, options: ListOpenFilesOptions = {}): Generator<ProcessFiles> {
  const { procFs } = context;
  const pids = options.pids ?? procFs.listPids();
  const readOptions = forRoot(procFs, options);
  const table = readFdTables(procFs, pids, fdTableRequest(readOptions));
  if (table === null) {
    for (const pid of pids) {
      const files = readProcessFiles(context, pid, readOptions, options);
      if (files) yield files;
    }
    return;
  }
  const facts = new TableFacts();
  for (const record of table) {
    if (record.status === "gone") continue;
    const files =
      record.status === "ok"
        ? processFilesFromTable(facts, context, record, readOptions, options)
        : readProcessFiles(context, record.pid, readOptions, options);
    if (files) yield files;
  }
}

function fdTableRequest(options: ReadFdOptions) {
  let fdinfoTypes = 0;
  FD_TYPES.forEach((type, bit) => {
    if (options.fdinfoTypes === undefined || options.fdinfoTypes.includes(type)) fdinfoTypes |= 1 << bit;
  });
  return { stat: options.stat !== false, fdinfo: options.fdinfo !== false, modeFromLink: options.modeFromLink === true, fdinfoTypes };
}

/** The uid and user name of a process's directory owner, or the reason they are missing. */
function owner(context: ProcessContext, uidOf: () => number, errors: FieldErrors): { uid: number | null; user: string | null } {
  try {
    const uid = uidOf();
    return { uid, user: context.users.userName(uid) };
  } catch (error) {
    errors.uid = errors.user = fieldFailure(error);
    return { uid: null, user: null };
  }
}

/** Applies listOpenFiles' filter and keepUnreadable rules; null drops the process. */
function kept(files: ProcessFiles, options: ListOpenFilesOptions): ProcessFiles | null {
  const used = (files.uses?.length ?? 0) > 0;
  if (files.fds === null) return used ? files : options.keepUnreadable === false || options.filter ? null : files;
  if (!options.filter) return files;
  const fds = files.fds.filter(options.filter);
  return fds.length === 0 && !used ? null : { ...files, fds };
}

/** One process's open files read through its directory; null when it is gone or has nothing to show. */
function readProcessFiles(
  context: ProcessContext,
  pid: number,
  readOptions: ReadFdOptions,
  options: ListOpenFilesOptions,
): ProcessFiles | null {
  let dir: ProcessDir;
  try {
    dir = context.procFs.openProcess(pid);
  } catch (error) {
    // Gone, or hidden from us (hidepid): a listing goes on with the others.
    if (error instanceof ProcessGone) return null;
    if (error instanceof AccessDenied) {
      options.onSkipped?.(pid, error);
      return null;
    }
    throw error;
  }
  try {
    // The process part through the one reader, so uid and user mean what they mean in ps.
    const { comm, uid, user, startTimeTicks, errors } = readProcessFields(new ProcessFileCache(dir, context), ["comm", "uid", "user"]);
    let fds: FileDescriptor[] | null = null;
    try {
      fds = readFds(dir, readOptions);
    } catch (error) {
      errors.fds = fieldFailure(error);
      // A captured tree without the fd directory: said like any unreadable one, in words shared by
      // every such process (the message names the path) so the closing notice counts them as one.
      if (error instanceof Unavailable && !context.procFs.isLive) options.onSkipped?.(pid, new Unavailable("fd directory not captured"));
      else if (error instanceof ProcError && !(error instanceof ProcessGone)) options.onSkipped?.(pid, error);
    }
    const uses = usesOf(pid, (accept) => readFileUses(dir, accept, readOptions.stat !== false), options, errors);
    return kept({ pid, comm, uid, user, startTimeTicks, fds, uses, errors }, options);
  } catch (error) {
    if (error instanceof ProcError) {
      if (!(error instanceof ProcessGone)) options.onSkipped?.(pid, error);
      return null;
    }
    throw error;
  } finally {
    dir.close();
  }
}

function processFilesFromTable(
  facts: TableFacts,
  context: ProcessContext,
  record: Extract<FdTableRecord, { status: "ok" }>,
  readOptions: ReadFdOptions,
  options: ListOpenFilesOptions,
): ProcessFiles | null {
  let stat: PidStatIdentity;
  try {
    stat = parsePidStatIdentity(record.stat);
  } catch (error) {
    if (error instanceof ProcError) return null;
    throw error;
  }
  const errors: FieldErrors = {};
  const { uid, user } = owner(context, () => record.uid, errors);
  const fds: FileDescriptor[] = [];
  facts.pid = record.pid;
  const entry = record.fds;
  facts.entry = entry;
  while (entry.next()) {
    try {
      fds.push(readFdFrom(facts, entry.fd, readOptions));
    } catch (error) {
      if (error instanceof NotFound) continue;
      throw error;
    }
  }
  facts.entry = null;
  sortByFd(fds);
  let uses: FileUse[] | null;
  try {
    uses = usesOf(
      record.pid,
      (accept) => {
        const dir = context.procFs.openProcess(record.pid);
        try {
          return readFileUses(dir, accept, readOptions.stat !== false);
        } finally {
          dir.close();
        }
      },
      options,
      errors,
    );
  } catch (error) {
    if (error instanceof ProcessGone) return null;
    throw error;
  }
  return kept({ pid: record.pid, comm: stat.comm, uid, user, startTimeTicks: stat.startTimeTicks, fds, uses, errors }, options);
}

export interface DeletedTotal {
  readonly pid: number;
  readonly comm: string;
  readonly startTimeTicks: number;
  /** Distinct deleted regular files (and memfds excluded) held open. */
  readonly files: number;
  /** Their sizes added up: disk space freed when the process closes them. */
  readonly bytes: number;
}

/**
 * Per process, the deleted regular files held open and the space they keep (each inode counted
 * once per process; memfds are memory, not disk, and are left out).
 */
/**
 * Bytes held by deleted files over all `processes`, each (device, inode) counted once however many
 * processes or fds hold it (what df gets back when they all close it).
 */
export function deletedTotalBytes(processes: readonly ProcessFiles[]): number {
  const sizes = new Map<string, number>();
  for (const p of processes)
    for (const f of p.fds ?? []) if (f.deleted && f.type === "file") sizes.set(`${f.device}:${f.inode}`, f.sizeBytes ?? 0);
  let total = 0;
  for (const size of sizes.values()) total += size;
  return total;
}

export function sumDeletedFiles(processes: readonly ProcessFiles[]): DeletedTotal[] {
  const totals: DeletedTotal[] = [];
  for (const p of processes) {
    const seen = new Set<string>();
    let bytes = 0;
    for (const f of p.fds ?? []) {
      if (!f.deleted || f.type !== "file") continue;
      const key = `${f.device}:${f.inode}`;
      if (seen.has(key)) continue;
      seen.add(key);
      bytes += f.sizeBytes ?? 0;
    }
    if (seen.size > 0) totals.push({ pid: p.pid, comm: p.comm, startTimeTicks: p.startTimeTicks, files: seen.size, bytes });
  }
  return totals.sort((a, b) => b.bytes - a.bytes || a.pid - b.pid);
}

/**
 * Why an fd cannot be reopened through /proc and read as a file (`follow`, `recover`), or null
 * when it can (a regular file or a memfd). Reading a pipe, socket or terminal would take the data
 * from the process's real reader.
 */
export function explainReopenRefusal(f: FileDescriptor, action: "followed" | "recovered"): string | null {
  const which = `fd ${f.fd} of process ${f.pid}`;
  switch (f.type) {
    case "file":
    case "memfd":
      return null;
    case "pipe":
    case "fifo":
      return `${which} is a ${f.type} (${f.target}): reading it through /proc would steal the data from its real reader`;
    case "socket":
      return `${which} is a socket (${f.target}): it cannot be reopened through /proc, and reading it would take the data from the process`;
    case "tty":
      return `${which} is a terminal (${f.target}): reading it would steal keyboard input; only regular files can be ${action}`;
    case "dir":
      return `${which} is a directory (${f.target}): only regular files can be ${action}`;
    case "dev":
      return `${which} is a device (${f.target}): only regular files can be ${action}`;
    default:
      return `${which} (${f.target}) is not a regular file`;
  }
}
