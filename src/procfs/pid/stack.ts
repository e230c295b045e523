/**
 * /proc/PID/stack and /proc/PID/task/TID/stack — proc(5), "/proc/pid/stack" (root only;
 * CONFIG_STACKTRACE). One frame per line, innermost first: "[<ADDR>] symbol+0xOFF/0xSIZE [module]".
 * Since Linux 4.18 ADDR is always printed as 0; an address without a symbol prints as bare hex.
 */
import { ParseError } from "../../errors.js";
import type { StackFrame } from "../../model/thread.js";
import { type LineProblem, parseEachLine, splitTableLines, type WithProblems, withProblems } from "../_lines.js";

export type { StackFrame };

const LINE = /^\[<([0-9a-fA-F]+)>\] (.+?)(?: \[([^\]\s]+)\])?$/;
const SYMBOL = /^(.+)\+0x([0-9a-fA-F]+)\/0x([0-9a-fA-F]+)$/;

/**
 * Parses a kernel stack, innermost frame first.
 * parsePidStack("[<0>] do_nanosleep+0x6d/0x1a0\n")[0].symbol === "do_nanosleep"
 */
export function parsePidStack(text: string): WithProblems<StackFrame[]> {
  const problems: LineProblem[] = [];
  const lines = splitTableLines(text, problems);
  const frames = parseEachLine(lines, 0, problems, (line, lineNumber): StackFrame => {
    const match = LINE.exec(line);
    if (!match) throw new ParseError('expected "[<address>] symbol+0xoffset/0xsize [module]"', line, lineNumber);
    const raw = BigInt(`0x${match[1]}`);
    const body = match[2] as string;
    const module = match[3] ?? null;
    const address = raw === 0n ? null : raw;
    const symbol = SYMBOL.exec(body);
    if (symbol) {
      return {
        address,
        symbol: symbol[1] as string,
        offsetBytes: Number.parseInt(symbol[2] as string, 16),
        sizeBytes: Number.parseInt(symbol[3] as string, 16),
        module,
      };
    }
    if (/^(0x)?[0-9a-fA-F]+$/.test(body)) {
      // No symbol for this address: %pB prints the address itself.
      return { address: BigInt(body.startsWith("0x") ? body : `0x${body}`), symbol: null, offsetBytes: null, sizeBytes: null, module };
    }
    if (/^[A-Za-z_.$][\w.$]*$/.test(body)) {
      return { address, symbol: body, offsetBytes: null, sizeBytes: null, module };
    }
    throw new ParseError("expected a symbol with +0xoffset/0xsize", line, lineNumber);
  });
  return withProblems(frames, problems);
}

/** One frame as the kernel prints it, without the address: "do_nanosleep+0x6d/0x1a0 [mod]". */
export function formatStackFrame(frame: StackFrame): string {
  const where =
    frame.symbol === null
      ? `0x${(frame.address ?? 0n).toString(16)}`
      : frame.offsetBytes === null
        ? frame.symbol
        : `${frame.symbol}+0x${frame.offsetBytes.toString(16)}/0x${(frame.sizeBytes ?? 0).toString(16)}`;
  return frame.module === null ? where : `${where} [${frame.module}]`;
}
