/**
 * /proc/net/packet — net/packet/af_packet.c packet_seq_show() (proc(5) lists the file only).
 * Columns "sk RefCnt Type Proto Iface R Rmem User Inode": Proto is the ethertype in hex (0003 =
 * ETH_P_ALL), Iface the interface index (0 = any), R whether the socket is running.
 */
import { ParseError } from "../../errors.js";
import { type LineProblem, parseEachLine, splitTableLines, type WithProblems, withProblems } from "../_lines.js";

export interface PacketSocketEntry {
  /** SOCK_RAW = 3, SOCK_DGRAM = 2. */
  readonly typeCode: number;
  readonly protocol: number;
  readonly ifindex: number;
  readonly running: boolean;
  readonly rmemBytes: number;
  readonly uid: number;
  readonly inode: number;
}

/**
 * Parses /proc/net/packet.
 * parseNetPacket(text)[0]?.ifindex
 */
export function parseNetPacket(text: string): WithProblems<PacketSocketEntry[]> {
  const problems: LineProblem[] = [];
  const lines = splitTableLines(text, problems);
  const header = (lines[0] ?? "").trim().split(/\s+/).join(" ");
  if (header !== "sk RefCnt Type Proto Iface R Rmem User Inode")
    throw new ParseError('unexpected columns: expected "sk RefCnt Type Proto Iface R Rmem User Inode"', lines[0] ?? "", 1);
  const entries = parseEachLine(lines, 1, problems, (line, n): PacketSocketEntry => {
    const match = /^\s*[0-9a-f]+\s+(\d+)\s+(\d+)\s+([0-9a-fA-F]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (!match) throw new ParseError('expected "sk RefCnt Type Proto Iface R Rmem User Inode" values', line, n);
    return {
      typeCode: Number(match[2]),
      protocol: Number.parseInt(match[3] as string, 16),
      ifindex: Number(match[4]),
      running: match[5] !== "0",
      rmemBytes: Number(match[6]),
      uid: Number(match[7]),
      inode: Number(match[8]),
    };
  });
  return withProblems(entries, problems);
}
