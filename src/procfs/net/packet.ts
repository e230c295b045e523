/**
 * /proc/net/packet — net/packet/af_packet.c packet_seq_show() (proc(5) lists the file only).
 * Columns "sk RefCnt Type Proto Iface R Rmem User Inode": Proto is the ethertype in hex (0003 =
 * ETH_P_ALL), Iface the interface index (0 = any), R whether the socket is running.
 */
import { ParseError } from "../../errors.js";

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
export function parseNetPacket(text: string): PacketSocketEntry[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const header = (lines[0] ?? "").trim().split(/\s+/).join(" ");
  if (header !== "sk RefCnt Type Proto Iface R Rmem User Inode")
    throw new ParseError('unexpected columns: expected "sk RefCnt Type Proto Iface R Rmem User Inode"', lines[0] ?? "", 1);
  const entries: PacketSocketEntry[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const match = /^\s*[0-9a-f]+\s+(\d+)\s+(\d+)\s+([0-9a-fA-F]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (!match) throw new ParseError('expected "sk RefCnt Type Proto Iface R Rmem User Inode" values', line, i + 1);
    entries.push({
      typeCode: Number(match[2]),
      protocol: Number.parseInt(match[3] as string, 16),
      ifindex: Number(match[4]),
      running: match[5] !== "0",
      rmemBytes: Number(match[6]),
      uid: Number(match[7]),
      inode: Number(match[8]),
    });
  }
  return entries;
}
