/**
 * traced: a process being ptraced, naming the tracer (status TracerPid). Injectors attach with
 * ptrace to write code or read secrets (credential dumpers against sshd, browsers, password
 * managers).
 *
 * Known false positives: debuggers (gdb, lldb), strace/ltrace, crash handlers and sandboxes that
 * trace their children (Chrome's, systemd-coredump briefly), `rr`, some anti-cheat software.
 */
import type { Finding } from "../../model/finding.js";
import { type AuditEnv, finding, type ProcessFacts, type Rule } from "../facts.js";

export function traced(facts: ProcessFacts, env: AuditEnv): Finding[] {
  const p = facts.process;
  if (p.kernelThread) return [];
  const tracerPid = facts.status().tracerPid;
  if (tracerPid === null || tracerPid === 0) return [];
  const tracer = env.byPid.get(tracerPid);
  return [
    finding(
      p,
      "traced",
      "medium",
      `is being traced by process ${tracerPid}${tracer ? ` (${tracer.comm})` : ""}`,
      {
        tracerPid,
        tracerComm: tracer?.comm ?? null,
        tracerExe: tracer?.exe ?? null,
        tracerStartTimeTicks: tracer?.startTimeTicks ?? null,
      },
      "Debuggers and strace do this on purpose; an unknown tracer can read and write the process's memory.",
    ),
  ];
}

export const tracedRule: Rule = {
  id: "traced",
  description: "a process being ptraced, with its tracer",
  process: traced,
};
