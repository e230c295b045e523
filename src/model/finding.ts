/**
 * The `Finding` shape: one verdict of an audit rule about one process (or about the system, with
 * pid null). Printed by `audit --json` (an array of them), served by the HTTP API, compared by
 * `diff`. `evidence` holds the facts read (paths, addresses, perms, socket addresses), never a
 * secret's value: secrets appear only redacted (`AKIA…XYZ`).
 */
import { type Static, Type } from "@sinclair/typebox";
import { SEVERITIES } from "./severity.js";

export const SeveritySchema = Type.Union(
  SEVERITIES.map((s) => Type.Literal(s)),
  { description: "info < low < medium < high < critical" },
);

export const FindingSchema = Type.Object(
  {
    rule: Type.String({ description: "rule id, e.g. deleted-exe, rwx-memory, reverse-shell" }),
    severity: SeveritySchema,
    pid: Type.Union([Type.Integer(), Type.Null()], { description: "null for a finding about the whole system" }),
    startTimeTicks: Type.Union([Type.Integer(), Type.Null()], { description: "with pid, the process's identity" }),
    comm: Type.Union([Type.String(), Type.Null()]),
    exe: Type.Union([Type.String(), Type.Null()]),
    summary: Type.String({ description: "one sentence: what was found" }),
    evidence: Type.Record(Type.String(), Type.Unknown(), { description: "the facts read; secrets only redacted" }),
    hint: Type.String({ description: "what to look at next, and the usual innocent explanation" }),
  },
  { $id: "Finding", additionalProperties: false },
);

export type Finding = Static<typeof FindingSchema>;

export const FindingListSchema = Type.Array(FindingSchema, { $id: "FindingList" });
