/** Tables for threads, stack, blocked, ksym and sysctl. Pure: rows in, text out. */
import { escapeControl } from "../../bytes.js";
import type { AddressHit, KernelSymbol } from "../../kernel/kallsyms.js";
import type { SysctlChange, SysctlEntry } from "../../kernel/sysctl.js";
import { formatStackFrame, type StackFrame } from "../../procfs/pid/stack.js";
import type { BlockedTask } from "../../threads/blocked.js";
import type { StackGroup } from "../../threads/group.js";
import { formatSyscall } from "../../threads/syscall.js";
import type { Thread, ThreadStack } from "../../threads/threads.js";
import { renderTable } from "./table.js";

const hex = (value: bigint): string => `0x${value.toString(16)}`;

function seconds(value: number | null): string {
  if (value === null) return "-";
  if (value < 60) return `${value.toFixed(2)}s`;
  const total = Math.floor(value);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}` : `${m}:${String(s).padStart(2, "0")}`;
}

export function renderThreadsTable(threads: readonly Thread[], width?: number): string {
  return renderTable(
    [
      { header: "TID", value: (t: Thread) => t.tid, align: "right" },
      { header: "S", value: (t) => t.state },
      { header: "TIME", value: (t) => seconds(t.cpuSeconds), align: "right" },
      { header: "CPU", value: (t) => t.lastCpu, align: "right" },
      { header: "VCSW", value: (t) => t.voluntaryCtxSwitches, align: "right" },
      { header: "NVCSW", value: (t) => t.nonvoluntaryCtxSwitches, align: "right" },
      { header: "WCHAN", value: (t) => t.wchan },
      { header: "SYSCALL", value: (t) => formatSyscall(t.syscall) },
      { header: "COMM", value: (t) => t.comm },
    ],
    threads,
    { width },
  );
}

function frameLines(stack: readonly StackFrame[] | null, reason: string | undefined): string[] {
  if (stack === null) return [`    (stack unavailable${reason ? `: ${reason}` : ""})`];
  if (stack.length === 0) return ["    (empty: running in user space)"];
  return stack.map((frame) => `    ${escapeControl(formatStackFrame(frame))}`);
}

/** Threads grouped by identical stacks; a group of one shows the thread's details. */
export function renderStackGroups(threads: readonly ThreadStack[], groups: readonly StackGroup[]): string {
  const byTid = new Map(threads.map((t) => [t.tid, t]));
  const blocks = groups.map((group) => {
    const lines: string[] = [];
    if (group.count === 1) {
      const t = byTid.get(group.tids[0] as number) as ThreadStack;
      lines.push(
        `Thread ${t.tid} (${escapeControl(t.comm)}) state ${t.state}, wchan ${t.wchan ?? "-"}, syscall ${escapeControl(formatSyscall(t.syscall, true))}`,
      );
    } else {
      const tids = group.tids.length > 12 ? `${group.tids.slice(0, 12).join(", ")}, …` : group.tids.join(", ");
      lines.push(`${group.count} threads (${tids}), wchan ${group.wchan ?? "(various)"}, syscall ${group.syscall ?? "(various)"}`);
    }
    lines.push(...frameLines(group.stack, byTid.get(group.tids[0] as number)?.errors.stack));
    return lines.join("\n");
  });
  return `${blocks.join("\n\n")}\n`;
}

export function renderBlocked(tasks: readonly BlockedTask[]): string {
  if (tasks.length === 0) return "No task is in uninterruptible sleep (state D).\n";
  const blocks = tasks.map((t) => {
    const head = `PID ${t.pid} TID ${t.tid} (${escapeControl(t.comm)}) state ${t.state} for ${seconds(t.blockedForSeconds)}, wchan ${t.wchan ?? "-"}, syscall ${escapeControl(formatSyscall(t.syscall, true))}${t.blkioDelaySeconds ? `, block I/O delay ${seconds(t.blkioDelaySeconds)}` : ""}`;
    return [head, ...frameLines(t.stack, t.errors.stack)].join("\n");
  });
  return `${blocks.join("\n\n")}\n`;
}

export function renderAddressHit(hit: AddressHit): string {
  const s = hit.symbol;
  const where = `${s.name}+0x${hit.offsetBytes.toString(16)}${s.sizeBytes === null ? "" : `/0x${s.sizeBytes.toString(16)}`}${s.module ? ` [${s.module}]` : ""}`;
  const aliases = hit.aliases.length > 0 ? ` (also ${hit.aliases.join(", ")})` : "";
  return `${hex(hit.address)} ${where} ${s.type} at ${hex(s.address)}${aliases}\n`;
}

export function renderSymbols(symbols: readonly KernelSymbol[]): string {
  return renderTable(
    [
      { header: "ADDRESS", value: (s: KernelSymbol) => hex(s.address) },
      { header: "T", value: (s) => s.type },
      { header: "SIZE", value: (s) => (s.sizeBytes === null ? null : `0x${s.sizeBytes.toString(16)}`), align: "right" },
      { header: "MODULE", value: (s) => s.module },
      { header: "NAME", value: (s) => s.name },
    ],
    symbols,
  );
}

/** "name = value" lines as sysctl(8) prints them (one per line of a multi-line value); unreadable keys are left out. */
export function renderSysctl(entries: readonly SysctlEntry[]): string {
  return entries
    .filter((e) => e.value !== null)
    .flatMap((e) => (e.value as string).split("\n").map((line) => `${e.name} = ${escapeControl(line).replaceAll("\\t", "\t")}\n`))
    .join("");
}

export function renderSysctlChange(change: SysctlChange): string {
  const old = change.old === null ? "(write-only)" : escapeControl(change.old);
  if (!change.written) return `${change.name}: ${old} -> ${escapeControl(change.requested)} (preview; add --yes to write)\n`;
  return `${change.name}: ${old} -> ${change.new === null ? "(write-only)" : escapeControl(change.new)}\n`;
}
