/**
 * /proc/PID/cmdline and /proc/PID/environ — proc(5). NUL-separated strings. cmdline is empty for
 * kernel threads and zombies. A process may overwrite its argv area (setproctitle), leaving one
 * string with spaces and no trailing NUL; we return what the kernel shows.
 */
import { decodeBytes } from "../../bytes.js";

function splitNul(bytes: Uint8Array): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    const nul = bytes.indexOf(0, start);
    const end = nul < 0 ? bytes.length : nul;
    out.push(decodeBytes(bytes.subarray(start, end)));
    start = end + 1;
  }
  return out;
}

/** The NUL-separated pieces of cmdline or environ, as bytes, in the order parseCmdline gives them. */
export function splitNulBytes(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  while (start < bytes.length) {
    const nul = bytes.indexOf(0, start);
    const end = nul < 0 ? bytes.length : nul;
    out.push(bytes.subarray(start, end));
    start = end + 1;
  }
  return out;
}

/** parseCmdline(new TextEncoder().encode("ls\0-l\0")) → ["ls", "-l"]; empty for kernel threads. */
export function parseCmdline(bytes: Uint8Array): string[] {
  return splitNul(bytes);
}

/** parseEnviron(new TextEncoder().encode("A=1\0B=x=y\0")) → { A: "1", B: "x=y" }. Later duplicates win. */
export function parseEnviron(bytes: Uint8Array): Record<string, string> {
  const env: Record<string, string> = Object.create(null);
  for (const entry of splitNul(bytes)) {
    if (entry === "") continue;
    const eq = entry.indexOf("=");
    if (eq < 0) env[entry] = "";
    else env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}
