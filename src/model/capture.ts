/**
 * The shapes of `capture --json` (the manifest written beside a capture) and `diff --json` (what
 * changed between two snapshots, processes named by PID and start time).
 */
import { type Static, Type } from "@sinclair/typebox";
import { Nullable } from "./_schema.js";
import { FindingSchema } from "./finding.js";

export const CaptureManifestSchema = Type.Object(
  {
    format: Type.String(),
    host: Type.String(),
    kernel: Type.String(),
    arch: Type.String(),
    startedAt: Type.String({ format: "date-time" }),
    finishedAt: Type.String({ format: "date-time" }),
    procscopeVersion: Type.String(),
    environRedacted: Type.Boolean(),
    kallsyms: Type.Boolean(),
    processes: Type.Integer({ minimum: 0 }),
    threads: Type.Integer({ minimum: 0 }),
    exited: Type.Array(Type.Integer(), { description: "Processes that exited while being captured (left out)" }),
    skipped: Type.Record(Type.String(), Type.Integer(), { description: "Files that could not be read, counted by file and reason" }),
    bytes: Type.Integer({ minimum: 0, description: "Bytes of text captured" }),
  },
  { $id: "CaptureManifest", additionalProperties: false },
);
export type CaptureManifest = Static<typeof CaptureManifestSchema>;

const DiffProcessProperties = {
  pid: Type.Integer(),
  startTimeTicks: Type.Integer(),
  comm: Type.String(),
  exe: Nullable(Type.String()),
  cmdline: Nullable(Type.Array(Type.String())),
};
const DiffProcessSchema = Type.Object(DiffProcessProperties, { additionalProperties: false });

export const SnapshotDiffSchema = Type.Object(
  {
    started: Type.Array(DiffProcessSchema),
    ended: Type.Array(DiffProcessSchema),
    changed: Type.Array(
      Type.Object(
        {
          ...DiffProcessProperties,
          field: Type.Union([Type.Literal("exe"), Type.Literal("cmdline"), Type.Literal("rssBytes"), Type.Literal("fdCount")]),
          before: Type.Unknown(),
          after: Type.Unknown(),
        },
        { additionalProperties: false },
      ),
    ),
    newListeners: Type.Array(
      Type.Object({
        protocol: Type.String(),
        address: Nullable(Type.String()),
        port: Nullable(Type.Integer()),
        path: Nullable(Type.String()),
        owners: Type.Array(Type.Object({ pid: Type.Integer(), comm: Type.String() })),
      }),
    ),
    newDeletedFiles: Type.Array(
      Type.Object({
        pid: Type.Integer(),
        startTimeTicks: Type.Integer(),
        comm: Type.String(),
        fd: Type.Integer(),
        path: Type.String(),
        sizeBytes: Nullable(Type.Integer()),
      }),
    ),
    newFindings: Type.Array(FindingSchema),
  },
  { $id: "SnapshotDiff", additionalProperties: false },
);
export type SnapshotDiff = Static<typeof SnapshotDiffSchema>;
