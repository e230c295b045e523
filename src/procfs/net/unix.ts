/**
 * /proc/net/unix — proc(5), "/proc/net/unix"; net/unix/af_unix.c unix_seq_show().
 * Columns "Num RefCount Protocol Flags Type St Inode Path"; Path is absent for unnamed sockets,
 * starts with "@" for abstract ones (NUL bytes shown as "@"), and is printed raw (may hold spaces).
 */
import { ParseError } from "../../errors.js";

export interface UnixSocketEntry {
  /** SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_SEQPACKET = 5. */
  readonly typeCode: number;
  readonly type: "stream" | "dgram" | "seqpacket" | string;
  /** SS_UNCONNECTED 1, SS_CONNECTING 2, SS_CONNECTED 3, SS_DISCONNECTING 4. */
  readonly stateCode: number;
  readonly state: string;
  /** __SO_ACCEPTCON in Flags: a listening socket. */
  readonly listening: boolean;
  readonly refCount: number;
  readonly inode: number;
  /** Bound path, "@name" for the abstract namespace, null when unnamed. */
  readonly path: string | null;
}

const TYPES: Record<number, string> = { 1: "stream", 2: "dgram", 5: "seqpacket" };
const STATES = ["FREE", "UNCONNECTED", "CONNECTING", "CONNECTED", "DISCONNECTING"];
const SO_ACCEPTCON = 0x10000;

/**
 * Parses /proc/net/unix.
 * parseNetUnix(text).filter((s) => s.listening)
 */
export function parseNetUnix(text: string): UnixSocketEntry[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const header = (lines[0] ?? "").trim().split(/\s+/).join(" ");
  if (header !== "Num RefCount Protocol Flags Type St Inode Path")
    throw new ParseError('unexpected columns: expected "Num RefCount Protocol Flags Type St Inode Path"', lines[0] ?? "", 1);
  const entries: UnixSocketEntry[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const match = /^([0-9a-f]+): ([0-9A-F]+) ([0-9A-F]+) ([0-9A-F]+) ([0-9A-F]+) ([0-9A-F]+) +(\d+)(?: (.*))?$/.exec(line);
    if (!match) throw new ParseError('expected "Num: RefCount Protocol Flags Type St Inode [Path]"', line, i + 1);
    const typeCode = Number.parseInt(match[5] as string, 16);
    const stateCode = Number.parseInt(match[6] as string, 16);
    entries.push({
      typeCode,
      type: TYPES[typeCode] ?? `type${typeCode}`,
      stateCode,
      state: STATES[stateCode] ?? `0x${stateCode.toString(16)}`,
      listening: (Number.parseInt(match[4] as string, 16) & SO_ACCEPTCON) !== 0,
      refCount: Number.parseInt(match[2] as string, 16),
      inode: Number(match[7]),
      path: match[8] === undefined || match[8] === "" ? null : match[8],
    });
  }
  return entries;
}
