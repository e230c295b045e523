/**
 * /proc/version — proc_version(5) (proc(5) "/proc/version" on older man-pages).
 * One line, "Linux version RELEASE (USER@HOST) (COMPILER) BUILD"; the compiler group holds nested
 * parentheses ("(gcc (GCC) 15.3.0, GNU ld (GNU Binutils) 2.46)"), and some environments (gVisor)
 * leave out both groups.
 */
import { ParseError } from "../errors.js";
import type { Version } from "../model/system-files.js";
import { singleLine, splitLines } from "./_lines.js";

export type { Version };

/**
 * Parses /proc/version.
 * parseVersion("Linux version 6.8.0 (u@h) (gcc 13) #1 SMP\n").release === "6.8.0"
 */
export function parseVersion(text: string): Version {
  const line = singleLine(splitLines(text));
  const prefix = /^Linux version (\S+) ?/.exec(line);
  if (!prefix) throw new ParseError('expected "Linux version RELEASE ..."', line, 1);
  let rest = line.slice(prefix[0].length);
  const groups: string[] = [];
  while (rest.startsWith("(") && groups.length < 2) {
    const end = closingParenthesis(rest);
    if (end < 0) throw new ParseError("unbalanced parentheses", line, 1);
    groups.push(rest.slice(1, end));
    rest = rest.slice(end + 1).trimStart();
  }
  // With one group only, "user@host" tells the builder from the compiler.
  const first = groups[0] ?? null;
  const builtByFirst = groups.length === 2 || (first !== null && /^[^\s()]*@[^\s()]*$/.test(first));
  return {
    raw: line,
    release: prefix[1] as string,
    builtBy: builtByFirst ? first : null,
    compiler: builtByFirst ? (groups[1] ?? null) : first,
    build: rest,
  };
}

/** Index of the ")" that closes the "(" at index 0, or -1. */
function closingParenthesis(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return i;
  }
  return -1;
}
