/**
 * System call names by number for the architectures whose tables are generated here
 * (scripts/gen-syscalls.mjs). The number in /proc/PID/syscall belongs to the kernel's native table.
 */
import { SYSCALLS_AARCH64 } from "./aarch64.js";
import { SYSCALLS_UNIFIED } from "./unified.js";
import { SYSCALLS_X86_64 } from "./x86_64.js";

export type SyscallArch = "x86_64" | "aarch64";

/** Maps Node's `process.arch` to a table name; null for architectures without a table. */
export function syscallArchOf(nodeArch: string): SyscallArch | null {
  if (nodeArch === "x64") return "x86_64";
  if (nodeArch === "arm64") return "aarch64";
  return null;
}

/**
 * The name of system call `number`, or null when the table has none (or no table for `arch`).
 * syscallName(230, "x86_64") === "clock_nanosleep"
 */
export function syscallName(number: number, arch: SyscallArch | null): string | null {
  if (arch === null) return null;
  // From 424 (pidfd_send_signal, Linux 5.1) every architecture numbers its calls alike.
  if (number >= SYSCALLS_AARCH64.length) return SYSCALLS_UNIFIED[number - SYSCALLS_AARCH64.length] ?? null;
  const table = arch === "x86_64" ? SYSCALLS_X86_64 : SYSCALLS_AARCH64;
  return table[number] ?? null;
}
