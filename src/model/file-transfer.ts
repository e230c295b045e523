/** Files being copied out (`recover`), read or written (`progress`), followed (`follow`), and pipelines (`pipeline`). */
import { type Static, Type } from "@sinclair/typebox";
import { Count, type DeepReadonly, FieldErrorsSchema, IsoTime, Nullable, StartTimeTicks } from "./_schema.js";

export const RecoveredFileSchema = Type.Object(
  {
    pid: Count(),
    startTimeTicks: StartTimeTicks,
    fd: Count(),
    source: Nullable(Type.String({ description: 'the file\'s path as the process holds it (" (deleted)" removed)' })),
    deleted: Type.Boolean(),
    inode: Count(),
    out: Type.String({ description: "where the copy was written" }),
    copiedBytes: Count(),
    sha256: Type.String({ pattern: "^[0-9a-f]{64}$" }),
    growing: Type.Boolean({ description: "the file grew during the copy: copied up to its size at the start" }),
    sizeAfterBytes: Count("the file's size when the copy ended"),
  },
  { title: "RecoveredFile", additionalProperties: false },
);
export type RecoveredFile = DeepReadonly<Static<typeof RecoveredFileSchema>>;

export const RecoverFailureSchema = Type.Object(
  { pid: Count(), fd: Count(), source: Nullable(Type.String()), error: Type.String() },
  { title: "RecoverFailure", additionalProperties: false },
);
export type RecoverFailure = DeepReadonly<Static<typeof RecoverFailureSchema>>;

/** `recover --json`, with or without --deleted: what was copied, and what could not be. */
export const RecoverReportSchema = Type.Object(
  { recovered: Type.Array(RecoveredFileSchema), failed: Type.Array(RecoverFailureSchema) },
  { title: "RecoverReport", additionalProperties: false },
);
export type RecoverReport = DeepReadonly<Static<typeof RecoverReportSchema>>;

export const FileProgressSchema = Type.Object(
  {
    pid: Count(),
    comm: Type.String(),
    startTimeTicks: StartTimeTicks,
    fd: Count(),
    path: Nullable(Type.String()),
    deleted: Type.Boolean(),
    mode: Nullable(
      Type.Union([Type.Literal("r"), Type.Literal("w"), Type.Literal("u")], {
        description: "access mode in lsof's letters, as the FD column shows it: r read, w write, u read and write",
      }),
    ),
    posBytes: Count("file offset"),
    sizeBytes: Count(),
    percent: Nullable(Type.Number({ description: "posBytes / sizeBytes × 100, one decimal; null for an empty file" })),
    bytesPerSecond: Type.Number({ minimum: 0, description: "how fast the offset moved between the two samples" }),
    etaSeconds: Nullable(Type.Number({ minimum: 0, description: "until posBytes reaches sizeBytes at this rate; null when not moving" })),
    moving: Type.Boolean({ description: "the offset or the size changed between the samples" }),
  },
  { title: "FileProgress", additionalProperties: false },
);
export type FileProgress = DeepReadonly<Static<typeof FileProgressSchema>>;

/** `progress --json` prints one; `progress --watch --json` one per line (NDJSON). */
export const ProgressTickSchema = Type.Object(
  { time: IsoTime("when the sample ended"), files: Type.Array(FileProgressSchema) },
  { title: "ProgressTick", additionalProperties: false },
);
export type ProgressTick = DeepReadonly<Static<typeof ProgressTickSchema>>;

/** `follow --json`: one per line (NDJSON), what the process wrote. */
export const FollowChunkSchema = Type.Object(
  { pid: Count(), fd: Count(), text: Type.String({ description: "the bytes written, decoded as UTF-8" }) },
  { title: "FollowChunk", additionalProperties: false },
);
export type FollowChunk = DeepReadonly<Static<typeof FollowChunkSchema>>;

export const PipelineStageSchema = Type.Object(
  {
    pid: Count(),
    comm: Type.String(),
    startTimeTicks: StartTimeTicks,
    state: Type.String(),
    wchan: Nullable(Type.String()),
    readBytesPerSecond: Nullable(Type.Number({ minimum: 0, description: "rchar between the samples" })),
    writeBytesPerSecond: Nullable(Type.Number({ minimum: 0, description: "wchar between the samples" })),
    cpuPercent: Type.Number({ minimum: 0, description: "CPU use between the samples, percent of one core" }),
    pipeWaitPercent: Nullable(Type.Number({ minimum: 0, maximum: 100 })),
    pipeReadWaitPercent: Nullable(Type.Number({ minimum: 0, maximum: 100 })),
    pipeWriteWaitPercent: Nullable(Type.Number({ minimum: 0, maximum: 100 })),
    stdin: Nullable(Type.String({ description: 'fd 0 link text ("pipe:[123]", a file, a tty)' })),
    stdout: Nullable(Type.String()),
    errors: FieldErrorsSchema,
  },
  { title: "PipelineStage", additionalProperties: false },
);
export type PipelineStage = DeepReadonly<Static<typeof PipelineStageSchema>>;

export const PipelineSchema = Type.Object(
  {
    pgid: Count(),
    stages: Type.Array(PipelineStageSchema, { description: "in data order" }),
    bottleneck: Nullable(Count("PID of the stage that limits the others")),
    reason: Type.String(),
    intervalMs: Count(),
  },
  { title: "Pipeline", additionalProperties: false },
);
export type Pipeline = DeepReadonly<Static<typeof PipelineSchema>>;
