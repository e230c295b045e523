/**
 * memfd-exe: the executable is a memfd (`/memfd:NAME (deleted)`): a program that never existed as
 * a file, started with memfd_create + fexecve. A favourite of fileless malware.
 *
 * Known false positives: runc (Docker, Kubernetes) re-executes itself from a memfd
 * (`/memfd:runc_cloned:/proc/self/exe`) during container start, for a moment; some packers and
 * self-updating programs do the same.
 */
import type { Finding } from "../../model/finding.js";
import { finding, type ProcessFacts, type Rule } from "../facts.js";

export function memfdExe(facts: ProcessFacts): Finding[] {
  const p = facts.process;
  const exe = facts.exe();
  if (exe === null || !exe.startsWith("/memfd:")) return [];
  const name = exe.replace(/ \(deleted\)$/, "").slice("/memfd:".length);
  return [
    finding(
      p,
      "memfd-exe",
      "high",
      `runs from memory: its executable is the memfd "${name}"`,
      { memfdName: name, exe, recover: `procscope recover ${p.pid} exe` },
      "Fileless execution (memfd_create + fexecve). runc does this briefly at container start; anything else deserves a copy of /proc/PID/exe.",
    ),
  ];
}

export const memfdExeRule: Rule = {
  id: "memfd-exe",
  description: "the executable is a memfd: a fileless program",
  process: memfdExe,
};
