/**
 * preload: libraries forced into processes. LD_PRELOAD or LD_AUDIT in a process's environment
 * loads code before the program's own (a classic user-space rootkit and credential stealer
 * technique); a non-empty /etc/ld.so.preload does it for every dynamically linked program.
 *
 * Known false positives: jemalloc/tcmalloc preloads, libfaketime, sanitizers, profilers
 * (libprofiler), `eatmydata`, Steam and similar overlays, XDG desktop helpers. The environment read
 * is the one the process started with (/proc/PID/environ); a process that changed its own later is
 * not seen.
 */
import { ProcError } from "../../errors.js";
import type { Finding } from "../../model/finding.js";
import { type AuditEnv, finding, type ProcessFacts, type Rule } from "../facts.js";

const VARIABLES = ["LD_PRELOAD", "LD_AUDIT"];

export function preloadInEnviron(facts: ProcessFacts): Finding[] {
  const p = facts.process;
  if (p.kernelThread) return [];
  const environ = facts.environ();
  const found = VARIABLES.filter((name) => environ[name] !== undefined && environ[name] !== "");
  if (found.length === 0) return [];
  const values = Object.fromEntries(found.map((name) => [name, environ[name]]));
  const libraries = found.flatMap((name) => (environ[name] as string).split(/[:\s]+/).filter((s) => s !== ""));
  return [
    finding(
      p,
      "preload",
      "high",
      `started with ${found.join(" and ")}=${libraries.join(":")}`,
      { variables: values, libraries },
      "Check each library: who installed it, is it in a package (dpkg -S)? Allocators, sanitizers and profilers are preloaded on purpose.",
    ),
  ];
}

export function preloadFile(env: AuditEnv): Finding[] {
  let text: string | null;
  try {
    text = env.procFs.readEtc("ld.so.preload");
  } catch (error) {
    if (error instanceof ProcError) return [];
    throw error;
  }
  if (text === null) return [];
  const libraries = text
    .split(/[\s:]+/)
    .map((s) => s.trim())
    .filter((s) => s !== "" && !s.startsWith("#"));
  if (libraries.length === 0) return [];
  return [
    {
      rule: "preload",
      severity: "critical",
      pid: null,
      startTimeTicks: null,
      comm: null,
      exe: null,
      summary: `/etc/ld.so.preload loads ${libraries.join(", ")} into every dynamically linked program`,
      evidence: { file: `${env.procFs.etcDir}/ld.so.preload`, libraries },
      hint: "Rare on purpose; a classic user-space rootkit. Find the library's package (dpkg -S) and when the file changed.",
    },
  ];
}

export const preloadRule: Rule = {
  id: "preload",
  description: "LD_PRELOAD/LD_AUDIT in a process's environment, or a non-empty /etc/ld.so.preload",
  process: preloadInEnviron,
  system: (env, { pids }) => (pids === null ? preloadFile(env) : []),
};
