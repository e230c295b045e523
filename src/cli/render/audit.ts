/**
 * The text form of `audit`: one block per finding, most severe first (severity, rule, PID, comm,
 * summary, then the evidence and the hint indented), and a summary line. Every string from a
 * target process goes through escapeControl.
 */

import { plural } from "../../_plural.js";
import { escapeControl } from "../../bytes.js";
import type { Finding } from "../../model/finding.js";
import { SEVERITIES } from "../../model/severity.js";

/** Items of an evidence list shown in text; --json has them all. */
const SHOWN_ITEMS = 3;

function evidenceText(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (typeof value === "bigint") return `0x${value.toString(16)}`;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value))
    return value.length > SHOWN_ITEMS
      ? `${value.slice(0, SHOWN_ITEMS).map(evidenceText).join("; ")}; (${value.length - SHOWN_ITEMS} more in --json)`
      : value.map(evidenceText).join("; ");
  return Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${evidenceText(v)}`)
    .join(" ");
}

export function renderFindings(findings: readonly Finding[], width?: number): string {
  const cut = (line: string) => (width !== undefined && line.length > width ? line.slice(0, width) : line);
  let out = "";
  for (const f of findings) {
    const who = f.pid === null ? "system" : `${f.pid} ${f.comm ?? "?"}`;
    out += `${cut(escapeControl(`${f.severity.toUpperCase().padEnd(8)} ${f.rule.padEnd(18)} ${who}: ${f.summary}`))}\n`;
    for (const [key, value] of Object.entries(f.evidence)) out += `${cut(escapeControl(`    ${key}: ${evidenceText(value)}`))}\n`;
    out += `${cut(escapeControl(`    hint: ${f.hint}`))}\n`;
  }
  return out;
}

export function renderAuditSummary(findings: readonly Finding[], processes: number, notReadable: number): string {
  const counts = [...SEVERITIES]
    .reverse()
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return `${plural(findings.length, "finding")}${counts.length ? ` (${counts.join(", ")})` : ""} in ${plural(processes, "process", "processes")}${notReadable ? `; ${notReadable} could not be read` : ""}\n`;
}
