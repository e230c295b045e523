/**
 * /proc/net/udp and /proc/net/udp6 — proc(5), "/proc/net/udp".
 * The tcp format with extra "ref pointer drops" columns; st is 07 (CLOSE) for an unconnected
 * socket and 01 (ESTABLISHED) for a connected one.
 */
import type { WithProblems } from "../_lines.js";
import { type InetSocketEntry, parseNetInet } from "./tcp.js";

/** parseNetUdp(readText("net/udp")) */
export function parseNetUdp(text: string): WithProblems<InetSocketEntry[]> {
  return parseNetInet(text, "inet");
}

/** parseNetUdp6(readText("net/udp6")) */
export function parseNetUdp6(text: string): WithProblems<InetSocketEntry[]> {
  return parseNetInet(text, "inet6");
}
