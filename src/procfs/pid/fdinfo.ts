/**
 * /proc/PID/fdinfo/FD — proc(5), "/proc/pid/fdinfo/"; Documentation/filesystems/proc.rst.
 * "key:\tvalue" lines: pos (decimal), flags (OCTAL, with O_CLOEXEC folded in from the fd table),
 * mnt_id, ino (Linux ≥ 5.14), then per-kind extras (eventfd-count, tfd/inotify/fanotify lines...).
 */
import { ParseError } from "../../errors.js";

export interface PidFdinfo {
  /** File offset in bytes (0 for pipes and sockets). */
  readonly pos: number;
  /** open(2) flags as the kernel keeps them, O_CLOEXEC included when set on the fd. */
  readonly flags: number;
  readonly mntId: number;
  /** Inode number; null on kernels before 5.14, which do not print it. */
  readonly ino: number | null;
  /** Lines after the common ones, as the kernel printed them (eventfd-count, tfd, inotify wd...). */
  readonly extra: readonly string[];
}

/** The lines every fdinfo starts with, in the kernel's order (ino since Linux 5.14). */
const KERNEL_HEAD = /^pos:[ \t]+(\d+)\nflags:[ \t]+([0-7]+)\nmnt_id:[ \t]+(\d+)\n(?:ino:[ \t]+(\d+)\n)?/;

function missing(key: string, text: string): ParseError {
  return new ParseError(`missing "${key}:" line`, text.split("\n", 1)[0] as string, 1);
}

/**
 * Parses one fdinfo file. A listing parses thousands, so the kernel's usual head is taken in one
 * match; the lines after it (and every line, when the head is not there) are read one by one.
 * parsePidFdinfo("pos:\t5\nflags:\t02\nmnt_id:\t24\nino:\t3\n").flags === 2
 */
export function parsePidFdinfo(text: string): PidFdinfo {
  if (text === "") throw new ParseError("empty input", text, 1);
  let pos: number | undefined;
  let flags: number | undefined;
  let mntId: number | undefined;
  let ino: number | null = null;
  let rest = text;
  let lineOffset = 0;
  const head = KERNEL_HEAD.exec(text);
  if (head !== null) {
    pos = Number(head[1]);
    flags = Number.parseInt(head[2] as string, 8);
    mntId = Number(head[3]);
    if (head[4] !== undefined) ino = Number(head[4]);
    rest = text.slice(head[0].length);
    lineOffset = head[4] === undefined ? 3 : 4;
  }
  const extra: string[] = [];
  const lines = rest === "" ? [] : rest.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const match = /^(pos|flags|mnt_id|ino):\s+(\S+)$/.exec(line);
    if (!match) {
      extra.push(line);
      continue;
    }
    const raw = match[2] as string;
    const key = match[1];
    if (key === "flags") {
      if (!/^[0-7]+$/.test(raw)) throw new ParseError('"flags" is not an octal number', line, lineOffset + i + 1);
      flags = Number.parseInt(raw, 8);
    } else {
      if (!/^\d+$/.test(raw)) throw new ParseError(`"${key}" is not an unsigned integer`, line, lineOffset + i + 1);
      const value = Number(raw);
      if (key === "pos") pos = value;
      else if (key === "mnt_id") mntId = value;
      else ino = value;
    }
  }
  if (pos === undefined) throw missing("pos", text);
  if (flags === undefined) throw missing("flags", text);
  if (mntId === undefined) throw missing("mnt_id", text);
  return { pos, flags, mntId, ino, extra };
}

/** Access mode of open flags: "r", "w" or "rw" (O_ACCMODE = 3). */
export function accessMode(flags: number): "r" | "w" | "rw" {
  const mode = flags & 3;
  return mode === 0 ? "r" : mode === 1 ? "w" : "rw";
}

// include/uapi/asm-generic/fcntl.h, the values x86-64 uses (arm64 swaps O_DIRECT, O_LARGEFILE,
// O_DIRECTORY and O_NOFOLLOW: see arch/arm64/include/uapi/asm/fcntl.h).
const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [0o100, "O_CREAT"],
  [0o200, "O_EXCL"],
  [0o400, "O_NOCTTY"],
  [0o1000, "O_TRUNC"],
  [0o2000, "O_APPEND"],
  [0o4000, "O_NONBLOCK"],
  [0o10000, "O_DSYNC"],
  [0o20000, "O_ASYNC"],
  [0o40000, "O_DIRECT"],
  [0o100000, "O_LARGEFILE"],
  [0o200000, "O_DIRECTORY"],
  [0o400000, "O_NOFOLLOW"],
  [0o1000000, "O_NOATIME"],
  [0o2000000, "O_CLOEXEC"],
  [0o4000000, "O_SYNC"],
  [0o10000000, "O_PATH"],
  [0o20000000, "O_TMPFILE"],
];

/**
 * Names of the bits set in open flags, access mode first; unknown bits as an octal number.
 * decodeOpenFlags(0o2004002) → ["O_RDWR", "O_NONBLOCK", "O_CLOEXEC"]
 */
export function decodeOpenFlags(flags: number): string[] {
  const mode = flags & 3;
  const names = [mode === 0 ? "O_RDONLY" : mode === 1 ? "O_WRONLY" : mode === 2 ? "O_RDWR" : "O_ACCMODE"];
  let rest = flags & ~3;
  for (const [bit, name] of FLAG_NAMES) {
    if (rest & bit) {
      // O_SYNC is __O_SYNC | O_DSYNC: show one name for the pair.
      if (bit === 0o4000000 && names.includes("O_DSYNC")) names.splice(names.indexOf("O_DSYNC"), 1);
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0) names.push(`0${rest.toString(8)}`);
  return names;
}
