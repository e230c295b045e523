/**
 * The process-family shapes: `Process` (ps, tree, watch, lsof's owner, the API's list),
 * `ProcessDetails` (show), `SampledProcess` and `Snapshot` (top, the API's event stream) and
 * `ProcessEvent` (watch). Defined once as schemas; the types are derived from them.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Bytes, FieldErrorsSchema, HexBigInt, Nullable, RawBase64Schema } from "./_schema.js";

const ProcessProperties = {
  pid: Type.Integer({ minimum: 1 }),
  ppid: Type.Integer({ minimum: 0 }),
  pgid: Type.Integer(),
  sid: Type.Integer(),
  uid: Nullable(Type.Integer({ minimum: 0, description: "Effective uid, as ps's USER column" })),
  user: Nullable(Type.String()),
  state: Type.String({ description: "One letter, as in stat: R S D Z T t I X", maxLength: 1 }),
  comm: Type.String(),
  cmdline: Nullable(Type.Array(Type.String(), { description: "argv; empty for kernel threads and zombies" })),
  exe: Nullable(Type.String()),
  tty: Nullable(Type.String({ description: "Controlling terminal (pts/0); null without one" })),
  threads: Type.Integer({ minimum: 0 }),
  nice: Type.Integer(),
  priority: Type.Integer(),
  startTime: Nullable(Type.String({ format: "date-time" })),
  startTimeTicks: Type.Integer({ minimum: 0, description: "Start time in clock ticks after boot; with pid, the identity" }),
  cpuSeconds: Type.Number({ minimum: 0, description: "User + system CPU seconds, not counting children" }),
  cpuPercent: Nullable(Type.Number({ minimum: 0, description: "Lifetime CPU use as ps computes it: cpuSeconds over seconds since start" })),
  rssBytes: Nullable(Bytes("Resident memory: statm's resident pages, the count status shows as VmRSS")),
  vszBytes: Bytes("Virtual memory size"),
  kernelThread: Type.Boolean(),
  errors: FieldErrorsSchema,
  rawBase64: Type.Optional(RawBase64Schema),
};

export const ProcessSchema = Type.Object(ProcessProperties, { $id: "Process", additionalProperties: false });
/** A process as `ps --json` prints it. */
export type Process = Static<typeof ProcessSchema>;

export const ProcessTreeNodeSchema = Type.Recursive(
  (Node) => Type.Object({ ...ProcessProperties, children: Type.Array(Node) }, { additionalProperties: false }),
  { $id: "ProcessTreeNode" },
);
/** `tree --json`: an array of these, the roots; each process with its children. */
export type ProcessTreeNode = Static<typeof ProcessTreeNodeSchema>;

const IdSetSchema = Type.Object({
  real: Type.Integer(),
  effective: Type.Integer(),
  saved: Type.Integer(),
  filesystem: Type.Integer(),
});

export const LimitSchema = Type.Object({
  name: Type.String(),
  resource: Nullable(Type.String()),
  soft: Type.Union([Type.Integer(), Type.String({ description: '"unlimited", or a decimal string above 2^53' })]),
  hard: Type.Union([Type.Integer(), Type.String()]),
  unit: Nullable(Type.String()),
});
export type Limit = Static<typeof LimitSchema>;

export const StatusSummarySchema = Type.Object({
  uids: Nullable(IdSetSchema),
  gids: Nullable(IdSetSchema),
  groups: Type.Array(Type.Integer()),
  umask: Nullable(Type.String({ description: "Octal, four digits" })),
  fdSize: Nullable(Type.Integer()),
  vmPeakBytes: Nullable(Type.Integer()),
  vmSizeBytes: Nullable(Type.Integer()),
  vmHwmBytes: Nullable(Type.Integer()),
  vmRssBytes: Nullable(Type.Integer()),
  rssAnonBytes: Nullable(Type.Integer()),
  rssFileBytes: Nullable(Type.Integer()),
  rssShmemBytes: Nullable(Type.Integer()),
  vmDataBytes: Nullable(Type.Integer()),
  vmStackBytes: Nullable(Type.Integer()),
  vmSwapBytes: Nullable(Type.Integer()),
  voluntaryCtxSwitches: Nullable(Type.Integer()),
  nonvoluntaryCtxSwitches: Nullable(Type.Integer()),
  cpusAllowedList: Nullable(Type.String()),
  noNewPrivs: Nullable(Type.Boolean()),
  sigBlocked: Nullable(HexBigInt("Blocked signals mask")),
  sigIgnored: Nullable(HexBigInt("Ignored signals mask")),
  sigCaught: Nullable(HexBigInt("Caught signals mask")),
});
export type StatusSummary = Static<typeof StatusSummarySchema>;

const PidIoSchema = Type.Object({
  rcharBytes: Type.Integer(),
  wcharBytes: Type.Integer(),
  syscr: Type.Integer(),
  syscw: Type.Integer(),
  readBytes: Type.Integer(),
  writeBytes: Type.Integer(),
  cancelledWriteBytes: Type.Integer(),
});

const CgroupSchema = Type.Object({
  hierarchyId: Type.Integer(),
  version: Type.Union([Type.Literal(1), Type.Literal(2)]),
  controllers: Type.Array(Type.String()),
  path: Type.String(),
  deleted: Type.Boolean(),
});

const ContainerSchema = Type.Object({
  runtime: Type.Union(["docker", "containerd", "cri-o", "podman", "lxc", "kubernetes", "systemd"].map((r) => Type.Literal(r))),
  id: Nullable(Type.String()),
  pod: Nullable(
    Type.Object({
      uid: Type.String(),
      qosClass: Type.Union([Type.Literal("guaranteed"), Type.Literal("burstable"), Type.Literal("besteffort")]),
    }),
  ),
  unit: Nullable(Type.String()),
  slice: Nullable(Type.String()),
  cgroupPath: Type.String(),
});

const NamespaceSchema = Type.Object({ type: Type.String(), inode: Type.Integer() });

const CapabilitiesSchema = Type.Object({
  inheritable: Type.Array(Type.String()),
  permitted: Type.Array(Type.String()),
  effective: Type.Array(Type.String()),
  bounding: Type.Array(Type.String()),
  ambient: Type.Array(Type.String()),
});

const PersonalitySchema = Type.Object({
  value: Type.Integer(),
  base: Type.Integer(),
  baseName: Nullable(Type.String()),
  flags: Type.Array(Type.String()),
  unknownFlags: Type.Integer(),
});

export const ProcessDetailsSchema = Type.Object(
  {
    ...ProcessProperties,
    cwd: Nullable(Type.String()),
    root: Nullable(Type.String()),
    exeDeleted: Nullable(Type.Boolean({ description: "The executable was deleted or replaced after the process started it" })),
    environ: Nullable(Type.Record(Type.String(), Type.String())),
    limits: Nullable(Type.Array(LimitSchema)),
    status: Nullable(StatusSummarySchema),
    io: Nullable(PidIoSchema),
    cgroups: Nullable(Type.Array(CgroupSchema)),
    container: Nullable(ContainerSchema),
    namespaces: Nullable(Type.Array(NamespaceSchema)),
    capabilities: Nullable(CapabilitiesSchema),
    oomScore: Nullable(Type.Integer()),
    oomScoreAdj: Nullable(Type.Integer()),
    personality: Nullable(PersonalitySchema),
    seccomp: Nullable(Type.String({ description: '"disabled", "strict" or "filter"' })),
    tracerPid: Nullable(Type.Integer()),
    nsPid: Nullable(Type.Array(Type.Integer(), { description: "This process's PID in each nested PID namespace, outermost first" })),
    loginUid: Nullable(Type.Integer()),
    wchan: Nullable(Type.String()),
  },
  { $id: "ProcessDetails", additionalProperties: false },
);
/** Everything about one process: `show --json`. */
export type ProcessDetails = Static<typeof ProcessDetailsSchema>;

export const SampledProcessSchema = Type.Object(
  {
    ...ProcessProperties,
    recentCpuPercent: Nullable(Type.Number({ minimum: 0, description: "CPU use over the sampling interval; 100 = one CPU" })),
    readBytesPerSecond: Nullable(Type.Number({ minimum: 0 })),
    writeBytesPerSecond: Nullable(Type.Number({ minimum: 0 })),
  },
  { $id: "SampledProcess", additionalProperties: false },
);
/** A process in a sample: the Process shape plus rates over the interval. */
export type SampledProcess = Static<typeof SampledProcessSchema>;

export const CpuUsageSchema = Type.Object({
  cpu: Nullable(Type.Integer({ description: "Logical CPU number; null for all CPUs together" })),
  userPercent: Type.Number(),
  nicePercent: Type.Number(),
  systemPercent: Type.Number(),
  iowaitPercent: Type.Number(),
  stealPercent: Type.Number(),
  idlePercent: Type.Number(),
  busyPercent: Type.Number(),
});

export const MemoryUsageSchema = Type.Object({
  totalBytes: Type.Integer(),
  availableBytes: Type.Integer(),
  usedBytes: Type.Integer(),
  buffersBytes: Nullable(Type.Integer()),
  cachedBytes: Nullable(Type.Integer()),
  swapTotalBytes: Nullable(Type.Integer()),
  swapUsedBytes: Nullable(Type.Integer()),
});
export type MemoryUsage = Static<typeof MemoryUsageSchema>;

export const TaskCountsSchema = Type.Object({
  total: Type.Integer(),
  running: Type.Integer(),
  sleeping: Type.Integer(),
  blocked: Type.Integer({ description: "Uninterruptible sleep (D)" }),
  stopped: Type.Integer(),
  zombie: Type.Integer(),
  idle: Type.Integer(),
  threads: Type.Integer(),
  kernelThreads: Type.Integer(),
});
export type TaskCounts = Static<typeof TaskCountsSchema>;

export const SnapshotSchema = Type.Object(
  {
    time: Type.String({ format: "date-time" }),
    intervalMs: Nullable(Type.Number({ description: "Since the previous sample; null for the first" })),
    uptimeSeconds: Type.Number(),
    load: Nullable(Type.Object({ load1: Type.Number(), load5: Type.Number(), load15: Type.Number() })),
    cpu: Nullable(CpuUsageSchema),
    cpus: Type.Array(CpuUsageSchema),
    cpuCount: Type.Integer(),
    memory: Nullable(MemoryUsageSchema),
    tasks: TaskCountsSchema,
    processes: Type.Array(SampledProcessSchema),
    skipped: Type.Object({
      count: Type.Integer({ description: "Processes listed by /proc that could not be read" }),
      reasons: Type.Record(Type.String(), Type.Integer()),
      hidden: Nullable(Type.String({ description: "Set when /proc hides other users' processes (hidepid=2)" })),
    }),
    errors: FieldErrorsSchema,
  },
  { $id: "Snapshot", additionalProperties: false },
);
/** One sample of the system and its processes: `top --once --json`, and each line of `top --json`. */
export type Snapshot = Static<typeof SnapshotSchema>;

export const ProcessEventSchema = Type.Object(
  {
    event: Type.Union([Type.Literal("start"), Type.Literal("exit")]),
    time: Type.String({ format: "date-time", description: "When the event was noticed (at most one interval late)" }),
    process: ProcessSchema,
  },
  { $id: "ProcessEvent", additionalProperties: false },
);
/** A process that started or exited: each line of `watch --json`. */
export type ProcessEvent = Static<typeof ProcessEventSchema>;
