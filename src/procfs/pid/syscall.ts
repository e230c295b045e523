/**
 * /proc/PID/syscall and /proc/PID/task/TID/syscall — proc(5), "/proc/pid/syscall"
 * (CONFIG_HAVE_ARCH_TRACEHOOK; needs ptrace read access). "running" while on a CPU; "-1 SP PC"
 * when blocked outside a system call; else "NR ARG1..ARG6 SP PC" with decimal NR and hex rest.
 */
import { ParseError } from "../../errors.js";

export type PidSyscall =
  /** On a CPU right now: the kernel cannot sample its registers. */
  | { readonly kind: "running" }
  /** Stopped or sleeping outside a system call (a page fault, a signal stop). */
  | { readonly kind: "none"; readonly stackPointer: bigint; readonly programCounter: bigint }
  | {
      readonly kind: "syscall";
      /** The number in the running architecture's table. */
      readonly number: number;
      /** The six argument registers, whether the call uses them or not. */
      readonly args: readonly bigint[];
      readonly stackPointer: bigint;
      readonly programCounter: bigint;
    };

function hex(raw: string, what: string, text: string): bigint {
  if (!/^0x[0-9a-fA-F]+$/.test(raw)) throw new ParseError(`${what} is not a hex number`, text, 1);
  return BigInt(raw);
}

/**
 * Parses the syscall file of one task.
 * parsePidSyscall("230 0x0 0x0 0x7ffc... 0x0 0x0 0x0 0x7ffc... 0x7f...\n").number === 230
 */
export function parsePidSyscall(text: string): PidSyscall {
  const line = text.endsWith("\n") ? text.slice(0, -1) : text;
  if (line === "running") return { kind: "running" };
  const fields = line.split(" ");
  const first = fields[0] as string;
  if (first === "-1") {
    if (fields.length !== 3) throw new ParseError(`expected "-1 SP PC", got ${fields.length} fields`, line, 1);
    return { kind: "none", stackPointer: hex(fields[1] as string, "SP", line), programCounter: hex(fields[2] as string, "PC", line) };
  }
  if (!/^\d+$/.test(first)) throw new ParseError('expected "running", "-1 SP PC" or "NR ARG1..ARG6 SP PC"', line, 1);
  if (fields.length !== 9) throw new ParseError(`expected 9 fields (NR, 6 arguments, SP, PC), got ${fields.length}`, line, 1);
  const values = fields.slice(1).map((f, i) => hex(f, i < 6 ? `argument ${i + 1}` : i === 6 ? "SP" : "PC", line));
  return {
    kind: "syscall",
    number: Number(first),
    args: values.slice(0, 6),
    stackPointer: values[6] as bigint,
    programCounter: values[7] as bigint,
  };
}
