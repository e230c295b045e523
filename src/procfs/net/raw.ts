/**
 * /proc/net/raw and /proc/net/raw6 — proc(5) (format of /proc/net/udp).
 * The "port" columns hold the IP protocol number (1 = ICMP, 58 = ICMPv6) instead of a port.
 */
import type { WithProblems } from "../_lines.js";
import { type InetSocketEntry, parseNetInet } from "./tcp.js";

/** parseNetRaw(readText("net/raw")) */
export function parseNetRaw(text: string): WithProblems<InetSocketEntry[]> {
  return parseNetInet(text, "inet");
}

/** parseNetRaw6(readText("net/raw6")) */
export function parseNetRaw6(text: string): WithProblems<InetSocketEntry[]> {
  return parseNetInet(text, "inet6");
}
