/**
 * Severities of audit findings, least severe first. Plain values (no schema library), so feature
 * code and the CLI's start-up can use them; `finding.ts` builds the schema from the same list.
 */
export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;

export type Severity = (typeof SEVERITIES)[number];

/** severityRank("high") === 3; higher is more severe. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function isSeverity(text: string): text is Severity {
  return (SEVERITIES as readonly string[]).includes(text);
}
