/**
 * /proc/PID/wchan — proc(5), "/proc/pid/wchan".
 * The kernel symbol the task sleeps in, with no trailing newline; "0" when it is running or the
 * address has no symbol. Since Linux 4.2 reading another user's wchan, or any under kptr_restrict,
 * may show "0" rather than fail.
 */
import { ParseError } from "../../errors.js";

/**
 * The wait channel symbol, or null when there is none (running, or hidden).
 * parsePidWchan("do_select") === "do_select"; parsePidWchan("0") === null
 */
export function parsePidWchan(text: string): string | null {
  const symbol = text.endsWith("\n") ? text.slice(0, -1) : text;
  if (symbol === "" || symbol === "0") return null;
  // Symbols are C identifiers, with compiler suffixes such as ".isra.0" or ".cold".
  if (!/^[A-Za-z_.$][\w.$]*$/.test(symbol)) throw new ParseError("expected a kernel symbol name", text, 1);
  return symbol;
}
