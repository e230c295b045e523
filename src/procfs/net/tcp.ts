/**
 * /proc/net/tcp and /proc/net/tcp6 — proc(5), "/proc/net/tcp"; Documentation/networking/proc_net_tcp.rst.
 * One header line, then one socket per line; addresses are hex words in the kernel's byte order
 * (little-endian on x86-64 and arm64), ports hex in host order. udp, udp6, raw and raw6 share it.
 */
import { ParseError } from "../../errors.js";
import { type LineProblem, parseEachLine, splitTableLines, type WithProblems, withProblems } from "../_lines.js";

export type InetFamily = "inet" | "inet6";

export interface InetSocketEntry {
  readonly family: InetFamily;
  /** Decoded address ("127.0.0.1", "::1", "::ffff:10.0.0.1"). */
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The st column (TCP state number, include/net/tcp_states.h). */
  readonly stateCode: number;
  /** TCP state name (ESTABLISHED, LISTEN...); UDP uses the same numbers (07 CLOSE = unconnected). */
  readonly state: string;
  readonly txQueue: number;
  readonly rxQueue: number;
  readonly uid: number;
  /** Socket inode: what /proc/PID/fd shows as socket:[inode]. 0 for TIME_WAIT and request sockets. */
  readonly inode: number;
}

export const TCP_STATES: readonly string[] = [
  "UNKNOWN",
  "ESTABLISHED",
  "SYN_SENT",
  "SYN_RECV",
  "FIN_WAIT1",
  "FIN_WAIT2",
  "TIME_WAIT",
  "CLOSE",
  "CLOSE_WAIT",
  "LAST_ACK",
  "LISTEN",
  "CLOSING",
  "NEW_SYN_RECV",
  "BOUND_INACTIVE",
];

/**
 * Decodes an address column's hex ("0100007F" → "127.0.0.1"; 32 digits → IPv6 text).
 * Each 32-bit word is in little-endian order, as the kernel printed it on x86-64/arm64.
 */
export function decodeHexAddress(hex: string, littleEndian = true): string {
  if (!/^[0-9A-Fa-f]+$/.test(hex) || (hex.length !== 8 && hex.length !== 32)) throw new Error(`bad address "${hex}"`);
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const group = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(word + i, word + i + 2), 16));
    bytes.push(...(littleEndian ? group.reverse() : group));
  }
  if (bytes.length === 4) return bytes.join(".");
  return formatIpv6(bytes);
}

/** RFC 5952 text: lower case, longest run of zero groups as "::", IPv4-mapped as ::ffff:a.b.c.d. */
export function formatIpv6(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${bytes.slice(12).join(".")}`;
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

function hexField(raw: string, what: string, line: string, lineNumber: number): number {
  if (!/^[0-9A-Fa-f]+$/.test(raw)) throw new ParseError(`${what} is not hexadecimal`, line, lineNumber);
  return Number.parseInt(raw, 16);
}

function decField(raw: string, what: string, line: string, lineNumber: number): number {
  if (!/^\d+$/.test(raw)) throw new ParseError(`${what} is not an unsigned integer`, line, lineNumber);
  return Number(raw);
}

function endpoint(raw: string, family: InetFamily, line: string, lineNumber: number): [string, number] {
  const colon = raw.indexOf(":");
  const hex = raw.slice(0, colon);
  if (colon < 0 || hex.length !== (family === "inet" ? 8 : 32))
    throw new ParseError(`expected an ${family === "inet" ? "IPv4" : "IPv6"} "ADDR:PORT"`, line, lineNumber);
  let address: string;
  try {
    address = decodeHexAddress(hex);
  } catch {
    throw new ParseError("address is not hexadecimal", line, lineNumber);
  }
  return [address, hexField(raw.slice(colon + 1), "port", line, lineNumber)];
}

/**
 * Parses /proc/net/{tcp,tcp6,udp,udp6,raw,raw6}: the family follows from the address width,
 * checked against `family`. Throws ParseError when the header's columns are not the known ones.
 * parseNetInet(text, "inet")[0]?.localPort
 */
export function parseNetInet(text: string, family: InetFamily): WithProblems<InetSocketEntry[]> {
  const problems: LineProblem[] = [];
  const lines = splitTableLines(text, problems);
  const header = (lines[0] ?? "").trim().split(/\s+/);
  if (
    header[0] !== "sl" ||
    header[1] !== "local_address" ||
    !/^rem(ote)?_address$/.test(header[2] ?? "") ||
    header[3] !== "st" ||
    header[11] !== "inode"
  )
    throw new ParseError('unexpected columns: expected "sl local_address rem_address st ... uid timeout inode"', lines[0] ?? "", 1);
  const entries = parseEachLine(lines, 1, problems, (line, n): InetSocketEntry => {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^\d+:$/.test(f[0] as string)) throw new ParseError('expected at least 10 columns starting with "N:"', line, n);
    const [localAddress, localPort] = endpoint(f[1] as string, family, line, n);
    const [remoteAddress, remotePort] = endpoint(f[2] as string, family, line, n);
    const stateCode = hexField(f[3] as string, "st", line, n);
    const queues = (f[4] as string).split(":");
    if (queues.length !== 2) throw new ParseError('expected "tx_queue:rx_queue"', line, n);
    return {
      family,
      localAddress,
      localPort,
      remoteAddress,
      remotePort,
      stateCode,
      state: TCP_STATES[stateCode] ?? `0x${stateCode.toString(16)}`,
      txQueue: hexField(queues[0] as string, "tx_queue", line, n),
      rxQueue: hexField(queues[1] as string, "rx_queue", line, n),
      uid: decField(f[7] as string, "uid", line, n),
      inode: decField(f[9] as string, "inode", line, n),
    };
  });
  return withProblems(entries, problems);
}

/** parseNetTcp(readText("net/tcp")) */
export function parseNetTcp(text: string): WithProblems<InetSocketEntry[]> {
  return parseNetInet(text, "inet");
}

/** parseNetTcp6(readText("net/tcp6")) */
export function parseNetTcp6(text: string): WithProblems<InetSocketEntry[]> {
  return parseNetInet(text, "inet6");
}
