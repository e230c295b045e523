/**
 * The audit log: one JSON line per action (allowed or refused) and per secret reveal. Lines are
 * appended with one write each (O_APPEND), so concurrent requests never interleave within a line.
 */
import fs from "node:fs";
import path from "node:path";

export interface AuditRecord {
  /** ISO 8601. */
  readonly time: string;
  /** The client's address as the socket saw it. */
  readonly client: string;
  readonly method: string;
  readonly endpoint: string;
  readonly pid: number | null;
  readonly startTimeTicks: number | null;
  /** "allowed", "refused" (read-only server, bad input), "failed" (the action itself failed), "revealed". */
  readonly outcome: "allowed" | "refused" | "failed" | "revealed";
  /** What was done or why not: the signal, the write's result, the error. */
  readonly detail: string;
}

export type AuditSink = (record: AuditRecord) => void;

/** An audit sink appending JSON lines to `file` (created mode 0600 with its directory). */
export function fileAuditSink(file: string): AuditSink {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const fd = fs.openSync(file, "a", 0o600);
  return (record) => {
    fs.writeSync(fd, `${JSON.stringify(record)}\n`);
  };
}
