/**
 * secret-in-memory (with --memory): the secret formats of `src/audit/secrets.ts` found in the
 * writable memory of processes (heap, stack, anonymous and writable file mappings), with the
 * fast search of `src/memory/search.ts`; shown redacted with address and region.
 *
 * Known false positives: password managers, SSH agents, cloud CLIs and browsers hold credentials
 * in memory on purpose; a shell whose history mentions a token; test fixtures with example keys
 * (AKIAIOSFODNN7EXAMPLE). Reads every writable page: slow on big processes, and it needs the
 * right to read /proc/PID/mem (ptrace access).
 */
import { AccessDenied, ProcError } from "../../errors.js";
import { compilePattern, newSearchStats, search } from "../../memory/search.js";
import type { Finding } from "../../model/finding.js";
import { type AuditEnv, finding, type ProcessFacts, type Rule } from "../facts.js";
import { classifySecret, redactSecret, type SecretKind, secretsRegexSource } from "../secrets.js";

const MAX_MATCHES_PER_PROCESS = 1000;
const SHOWN = 10;

export async function secretInMemory(facts: ProcessFacts, env: AuditEnv): Promise<Finding[]> {
  const p = facts.process;
  if (p.kernelThread || p.state === "Z" || !env.procFs.isLive) return [];
  // Groups only: the kind is told afterwards from the matched text.
  const pattern = compilePattern({ pattern: secretsRegexSource().replace(/\(\?<s\d+>/g, "(?:"), regex: true });
  const stats = newSearchStats();
  const groups = new Map<
    string,
    { kind: SecretKind; redacted: string; count: number; places: { address: bigint; region: string; perms: string }[] }
  >();
  try {
    for await (const match of search(env.procFs, p.pid, pattern, {
      stats,
      max: MAX_MATCHES_PER_PROCESS,
      ...(env.signal ? { signal: env.signal } : {}),
    })) {
      const kind = classifySecret(match.text) ?? "secret-name";
      const redacted = redactSecret(match.text, kind);
      const key = `${kind}\0${redacted}`;
      let group = groups.get(key);
      if (!group) {
        group = { kind, redacted, count: 0, places: [] };
        groups.set(key, group);
      }
      group.count++;
      if (group.places.length < SHOWN)
        group.places.push({ address: match.address, region: match.region.path ?? match.region.kind, perms: match.region.perms });
    }
  } catch (error) {
    if (error instanceof AccessDenied) throw error;
    if (error instanceof ProcError && error.kind !== "ProcessGone") return [];
    throw error;
  }
  if (groups.size === 0) return [];
  const secrets = [...groups.values()];
  return [
    finding(
      p,
      "secret-in-memory",
      "medium",
      `memory holds ${secrets.length} distinct credential-like string(s): ${secrets.map((s) => `${s.kind} ${s.redacted} ×${s.count}`).join(", ")}`,
      { secrets, scannedBytes: stats.bytes, regions: stats.regions },
      "Whoever can read this process's memory (root, a ptrace-capable attacker, a core dump) has these. Expected in password managers and agents.",
    ),
  ];
}

export const secretInMemoryRule: Rule = {
  id: "secret-in-memory",
  description: "credential formats in writable memory (with --memory), redacted, with address and region",
  optIn: true,
  process: secretInMemory,
};
