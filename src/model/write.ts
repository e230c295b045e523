/** What `write`, `replace` and `undo` print: each write with the Region it lies in, bytes as hex. */
import { type Static, Type } from "@sinclair/typebox";
import { Count, type DeepReadonly, HexBigInt, Nullable, StartTimeTicks } from "./_schema.js";
import { RegionSchema } from "./region.js";

const HexBytes = (description: string) => Type.String({ pattern: "^([0-9a-f]{2})*$", description });

export const WriteSchema = Type.Object(
  {
    address: HexBigInt(),
    sizeBytes: Count(),
    old: HexBytes("what memory held (at preview time, or at write time once frozen)"),
    new: HexBytes("the bytes written (or to write)"),
    oldText: Type.String({ description: "old as text: printable ASCII, anything else as \\xNN, cut after 48 bytes" }),
    newText: Type.String(),
    region: RegionSchema,
    status: Type.Union([Type.Literal("preview"), Type.Literal("written"), Type.Literal("skipped")]),
    reason: Nullable(Type.String({ description: "why a write was skipped" })),
    seq: Nullable(Count("journal sequence number, once written")),
  },
  { title: "Write", additionalProperties: false },
);
export type Write = DeepReadonly<Static<typeof WriteSchema>>;

const writeResultFields = {
  pid: Count(),
  startTimeTicks: StartTimeTicks,
  comm: Type.String(),
  applied: Type.Boolean({ description: "false for a preview: nothing was written" }),
  writes: Type.Array(WriteSchema),
  journal: Nullable(Type.String({ description: "journal path when applied" })),
  freeze: Nullable(
    Type.Union([Type.Literal("frozen"), Type.Literal("was-stopped"), Type.Literal("not-stopped")], {
      description:
        "frozen: stopped for the write and continued; was-stopped: left stopped; not-stopped: not asked to stop; null for a preview",
    }),
  ),
};

/** `write --json`. */
export const WriteReportSchema = Type.Object(writeResultFields, { title: "WriteReport", additionalProperties: false });
export type WriteReport = DeepReadonly<Static<typeof WriteReportSchema>>;

/** `replace --json`: a write result, with how many occurrences were found in how many regions. */
export const ReplaceReportSchema = Type.Object(
  { ...writeResultFields, found: Count("occurrences of OLD found"), searched: Count("regions searched") },
  { title: "ReplaceReport", additionalProperties: false },
);
export type ReplaceReport = DeepReadonly<Static<typeof ReplaceReportSchema>>;

export const UndoEntrySchema = Type.Object(
  {
    seq: Count(),
    address: HexBigInt(),
    old: HexBytes("the bytes restored"),
    new: HexBytes("the bytes the write had put"),
    current: Nullable(HexBytes("what memory held before the undo; null if it could not be read")),
    status: Type.Union([Type.Literal("restored"), Type.Literal("forced"), Type.Literal("conflict"), Type.Literal("skipped")]),
    reason: Nullable(Type.String()),
  },
  { title: "UndoEntry", additionalProperties: false },
);
export type UndoEntry = DeepReadonly<Static<typeof UndoEntrySchema>>;

/** `undo --json`. */
export const UndoReportSchema = Type.Object(
  {
    pid: Count(),
    startTimeTicks: StartTimeTicks,
    journal: Type.String(),
    entries: Type.Array(UndoEntrySchema, { description: "newest first, the order in which they were restored" }),
    restored: Count(),
    conflicts: Count(),
    freeze: Type.Union([Type.Literal("frozen"), Type.Literal("was-stopped"), Type.Literal("not-stopped")]),
  },
  { title: "UndoReport", additionalProperties: false },
);
export type UndoReport = DeepReadonly<Static<typeof UndoReportSchema>>;
