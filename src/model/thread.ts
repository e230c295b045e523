/** Threads (`threads`), their kernel stacks (`stack`) and tasks in uninterruptible sleep (`blocked`). */
import { type Static, Type } from "@sinclair/typebox";
import { Count, type DeepReadonly, FieldErrorsSchema, HexBigInt, Nullable, RawBase64Schema, StartTimeTicks } from "./_schema.js";

export const StackFrameSchema = Type.Object(
  {
    address: Nullable(HexBigInt("return address; null when the kernel hides it (always, since Linux 4.18)")),
    symbol: Nullable(Type.String()),
    offsetBytes: Nullable(Count("bytes into the function")),
    sizeBytes: Nullable(Count("size of the function")),
    module: Nullable(Type.String()),
  },
  { title: "StackFrame", additionalProperties: false },
);
export type StackFrame = DeepReadonly<Static<typeof StackFrameSchema>>;

export const CurrentSyscallSchema = Type.Object(
  {
    state: Type.Union([Type.Literal("running"), Type.Literal("none"), Type.Literal("syscall")]),
    number: Nullable(Type.Integer()),
    name: Nullable(Type.String()),
    args: Type.Array(HexBigInt(), { description: "the six argument registers; empty unless in a system call" }),
    stackPointer: Nullable(HexBigInt()),
    programCounter: Nullable(HexBigInt()),
  },
  { title: "CurrentSyscall", additionalProperties: false },
);
export type CurrentSyscall = DeepReadonly<Static<typeof CurrentSyscallSchema>>;

const threadFields = {
  pid: Count(),
  tid: Count(),
  comm: Type.String(),
  state: Type.String({ description: "one letter, as in stat: R S D T t Z X I" }),
  startTimeTicks: StartTimeTicks,
  cpuUserSeconds: Type.Number({ minimum: 0 }),
  cpuSystemSeconds: Type.Number({ minimum: 0 }),
  cpuSeconds: Type.Number({ minimum: 0 }),
  lastCpu: Nullable(Count()),
  wchan: Nullable(Type.String()),
  voluntaryCtxSwitches: Nullable(Count()),
  nonvoluntaryCtxSwitches: Nullable(Count()),
  blkioDelaySeconds: Nullable(Type.Number({ minimum: 0, description: "block I/O delay (0 when kernel.task_delayacct is off)" })),
  syscall: Nullable(CurrentSyscallSchema),
  rawBase64: Type.Optional(RawBase64Schema),
  errors: FieldErrorsSchema,
};

export const ThreadSchema = Type.Object(threadFields, { title: "Thread", additionalProperties: false });
export type Thread = DeepReadonly<Static<typeof ThreadSchema>>;

export const ThreadStackSchema = Type.Object(
  { ...threadFields, stack: Nullable(Type.Array(StackFrameSchema, { description: "innermost frame first" })) },
  { title: "ThreadStack", additionalProperties: false },
);
export type ThreadStack = DeepReadonly<Static<typeof ThreadStackSchema>>;

export const StackGroupSchema = Type.Object(
  {
    stack: Nullable(Type.Array(StackFrameSchema)),
    tids: Type.Array(Count()),
    count: Count(),
    syscall: Nullable(Type.String({ description: "the system call every thread of the group is in, or null when they differ" })),
    wchan: Nullable(Type.String()),
  },
  { title: "StackGroup", additionalProperties: false },
);
export type StackGroup = DeepReadonly<Static<typeof StackGroupSchema>>;

/** `stack --json`. */
export const StacksSchema = Type.Object(
  { pid: Count(), threads: Type.Array(ThreadStackSchema), groups: Type.Array(StackGroupSchema) },
  { title: "Stacks", additionalProperties: false },
);
export type Stacks = DeepReadonly<Static<typeof StacksSchema>>;

export const BlockedTaskSchema = Type.Object(
  {
    ...threadFields,
    blockedForSeconds: Nullable(Type.Number({ minimum: 0, description: "since the task last ran on a CPU" })),
    stack: Nullable(Type.Array(StackFrameSchema)),
  },
  { title: "BlockedTask", additionalProperties: false },
);
export type BlockedTask = DeepReadonly<Static<typeof BlockedTaskSchema>>;
