/**
 * secret-in-environ: environment values that look like credentials (AWS keys, private key
 * headers, GitHub/GitLab/Slack tokens, JWTs, URLs with a password, names like *PASSWORD*),
 * shown redacted. The environment of a process is readable by its user and root, lands in core
 * dumps and crash reports, and is inherited by every child.
 *
 * Known false positives: CI runners and deploy tools get their tokens this way on purpose; names
 * like *TOKEN* may hold non-secret values (reported as low when only the name matched).
 * Formats are those of `src/audit/secrets.ts`.
 */
import type { Finding } from "../../model/finding.js";
import { finding, type ProcessFacts, type Rule } from "../facts.js";
import { parseRedactedMarker, redactSecret, type SecretKind, secretKindOfVariable } from "../secrets.js";

export function secretInEnviron(facts: ProcessFacts): Finding[] {
  const p = facts.process;
  if (p.kernelThread) return [];
  const found: { name: string; kind: SecretKind; redacted: string }[] = [];
  for (const [name, value] of Object.entries(facts.environ())) {
    // A capture stores environ redacted: the marker still says what was there.
    const marker = parseRedactedMarker(value);
    if (marker) {
      found.push({ name, kind: marker.kind, redacted: marker.redacted });
      continue;
    }
    const kind = secretKindOfVariable(name, value);
    if (kind !== null) found.push({ name, kind, redacted: redactSecret(value, kind) });
  }
  if (found.length === 0) return [];
  const byFormat = found.filter((f) => f.kind !== "secret-name");
  return [
    finding(
      p,
      "secret-in-environ",
      byFormat.length > 0 ? "medium" : "low",
      `environment holds ${found.length} credential-like value(s): ${found.map((f) => `${f.name} (${f.kind})`).join(", ")}`,
      { variables: found },
      "Anyone who can read this process's environ (its user, root, core dumps) has these. Prefer files with tight permissions or a secrets agent; rotate if exposed.",
    ),
  ];
}

export const secretInEnvironRule: Rule = {
  id: "secret-in-environ",
  description: "environment values that look like credentials (shown redacted)",
  process: secretInEnviron,
};
