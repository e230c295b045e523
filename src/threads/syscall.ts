/** The current system call of a task, decoded by name for the architecture procscope runs on. */
import type { CurrentSyscall } from "../model/thread.js";
import type { PidSyscall } from "../procfs/pid/syscall.js";
import { type SyscallArch, syscallArchOf, syscallName } from "../procfs/syscalls/index.js";

export type { CurrentSyscall };

/** The syscall table for the machine we run on (x86_64 or aarch64; null elsewhere). */
export const HOST_SYSCALL_ARCH: SyscallArch | null = syscallArchOf(process.arch);

/**
 * Names the call in a parsed syscall file.
 * decodeSyscall(parsePidSyscall("230 0x1 ..."), "x86_64").name === "clock_nanosleep"
 */
export function decodeSyscall(parsed: PidSyscall, arch: SyscallArch | null = HOST_SYSCALL_ARCH): CurrentSyscall {
  switch (parsed.kind) {
    case "running":
      return { state: "running", number: null, name: null, args: [], stackPointer: null, programCounter: null };
    case "none":
      return {
        state: "none",
        number: null,
        name: null,
        args: [],
        stackPointer: parsed.stackPointer,
        programCounter: parsed.programCounter,
      };
    default:
      return {
        state: "syscall",
        number: parsed.number,
        name: syscallName(parsed.number, arch),
        args: parsed.args,
        stackPointer: parsed.stackPointer,
        programCounter: parsed.programCounter,
      };
  }
}

/** "clock_nanosleep(0x0, 0x0, 0x7ffc…, …)", "running", "-" (outside a call). */
export function formatSyscall(call: CurrentSyscall | null, withArgs = false): string {
  if (call === null) return "-";
  if (call.state === "running") return "running";
  if (call.state === "none") return "-";
  const name = call.name ?? `syscall_${call.number}`;
  return withArgs ? `${name}(${call.args.map((a) => `0x${a.toString(16)}`).join(", ")})` : name;
}
