/**
 * Sending a signal to a process named by (pid, start time), so a PID that was reused since the
 * caller looked is never signalled. The check and the kill are two steps (Node has no pidfd), but
 * the window is one system call wide, as in htop and System Informer.
 */
import os from "node:os";
import type { ProcFs } from "../access/proc-fs.js";
import { AccessDenied, InvalidArgument, ProcessGone } from "../errors.js";
import { parsePidStat } from "../procfs/pid/stat.js";

/**
 * A signal by name ("TERM", "SIGTERM") or number ("15"), as kill -l names them.
 * parseSignalName("term") → { name: "SIGTERM", number: 15 }
 */
export function parseSignalName(text: string): { name: string; number: number } {
  const signals = os.constants.signals as Record<string, number>;
  const trimmed = text.trim().toUpperCase();
  if (/^\d+$/.test(trimmed)) {
    const number = Number(trimmed);
    const name = Object.keys(signals).find((k) => signals[k] === number);
    if (name !== undefined) return { name, number };
  } else {
    const name = trimmed.startsWith("SIG") ? trimmed : `SIG${trimmed}`;
    const number = signals[name];
    if (number !== undefined) return { name, number };
  }
  throw new InvalidArgument(`no signal is called "${text}" (try TERM, KILL, INT, HUP, STOP, CONT, USR1 or a number)`);
}

/** The start time (stat field 22) of a live process; throws ProcessGone if there is none. */
export function processStartTicks(procFs: ProcFs, pid: number): number {
  const dir = procFs.openProcess(pid);
  try {
    return dir.parse("stat", parsePidStat).startTimeTicks;
  } finally {
    dir.close();
  }
}

/**
 * Sends `signal` to the process if it is still the one that started at `startTimeTicks`.
 * sendSignal(procFs, { pid: 42, startTimeTicks: 123456 }, "TERM") → { pid: 42, startTimeTicks: 123456, signal: "SIGTERM" }
 */
export function sendSignal(
  procFs: ProcFs,
  ref: { readonly pid: number; readonly startTimeTicks: number },
  signal: string,
  kill: (pid: number, signal: number) => void = process.kill,
): { pid: number; startTimeTicks: number; signal: string; number: number } {
  const { name, number } = parseSignalName(signal);
  if (processStartTicks(procFs, ref.pid) !== ref.startTimeTicks) throw new ProcessGone(ref.pid, { reused: true });
  try {
    kill(ref.pid, number);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ESRCH") throw new ProcessGone(ref.pid, { cause: error });
    if (code === "EPERM") throw new AccessDenied(`${ref.pid}`, "the process belongs to another user: only root may signal it", error);
    throw error;
  }
  return { pid: ref.pid, startTimeTicks: ref.startTimeTicks, signal: name, number };
}
