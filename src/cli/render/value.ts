/**
 * Generic text rendering of a parsed value (for `sys NAME`): objects as "key: value" lines,
 * arrays of flat objects as tables, nested values indented. Every string is escaped.
 */
import { escapeControl } from "../../bytes.js";
import { renderTable } from "./table.js";

function scalar(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (typeof value === "bigint") return `0x${value.toString(16)}`;
  if (Array.isArray(value)) return value.length === 0 ? "(none)" : value.map(scalar).join(" ");
  return escapeControl(String(value));
}

const isScalar = (v: unknown): boolean =>
  v === null || typeof v !== "object" || (Array.isArray(v) && v.every((x) => x === null || typeof x !== "object"));

export function renderValue(value: unknown, indent = ""): string {
  if (Array.isArray(value) && value.length === 0) return `${indent}(none)\n`;
  if (isScalar(value)) return `${indent}${scalar(value)}\n`;
  if (Array.isArray(value)) {
    const rows = value as Record<string, unknown>[];
    if (rows.length > 0 && rows.every((r) => r !== null && typeof r === "object" && Object.values(r).every(isScalar))) {
      const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
      const table = renderTable(
        keys.map((k) => ({ header: k, value: (r: Record<string, unknown>) => scalar(r[k]) })),
        rows,
      );
      return table
        .split("\n")
        .map((l) => (l ? indent + l : l))
        .join("\n");
    }
    return rows.map((r, i) => `${indent}[${i}]\n${renderValue(r, `${indent}  `)}`).join("");
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const width = Math.max(0, ...entries.filter(([, v]) => isScalar(v)).map(([k]) => k.length));
  return entries
    .map(([k, v]) =>
      isScalar(v) ? `${indent}${`${k}:`.padEnd(width + 1)} ${scalar(v)}\n` : `${indent}${k}:\n${renderValue(v, `${indent}  `)}`,
    )
    .join("");
}
