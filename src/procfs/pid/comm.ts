/**
 * /proc/PID/comm — proc(5). The thread name, at most 15 bytes plus a newline; may hold any byte
 * but NUL, including spaces, ")" and control characters.
 */

/** parseComm("bash\n") === "bash" */
export function parseComm(text: string): string {
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}
