/** `history --json`: the shell commands found in a shell's memory. */
import { type Static, Type } from "@sinclair/typebox";
import { Count, type DeepReadonly, HexBigInt, IsoTime, Nullable, StartTimeTicks } from "./_schema.js";

export const HistoryEntrySchema = Type.Object(
  {
    index: Nullable(Count("position in the shell's history list (0 = oldest kept); null for an entry no longer in the list")),
    command: Type.String(),
    time: Nullable(IsoTime("when the shell recorded it")),
    address: HexBigInt("address of bash's HIST_ENTRY or zsh's histent"),
  },
  { title: "HistoryEntry", additionalProperties: false },
);
export type HistoryEntry = DeepReadonly<Static<typeof HistoryEntrySchema>>;

export const ShellHistorySchema = Type.Object(
  {
    pid: Count(),
    startTimeTicks: StartTimeTicks,
    comm: Type.String(),
    shell: Type.String({ description: "shell name from the executable (bash, zsh, dash…)" }),
    supported: Type.Boolean({ description: "false when procscope does not know this shell's history structures" }),
    entries: Type.Array(HistoryEntrySchema, { description: "oldest first; entries no longer in the list come last, by time" }),
    note: Nullable(Type.String()),
  },
  { title: "ShellHistory", additionalProperties: false },
);
export type ShellHistory = DeepReadonly<Static<typeof ShellHistorySchema>>;

/** A shell whose history could not be read (history --all-shells goes on with the others). */
export const ShellHistoryFailureSchema = Type.Object(
  {
    pid: Count(),
    comm: Type.String(),
    error: Type.String(),
    kind: Type.String({ description: "the error kind: AccessDenied, ProcessGone…" }),
  },
  { title: "ShellHistoryFailure", additionalProperties: false },
);
export type ShellHistoryFailure = DeepReadonly<Static<typeof ShellHistoryFailureSchema>>;

/** `history --json`: always an array (one element for a PID, one per shell with --all-shells). */
export const HistoryListSchema = Type.Array(Type.Union([ShellHistorySchema, ShellHistoryFailureSchema]), { title: "HistoryList" });
