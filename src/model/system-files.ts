/**
 * The system-wide /proc files `procscope sys NAME` prints, one shape per file, as the parsers in
 * src/procfs/ return them (their types are these schemas' Static<>). `SYSTEM_FILE_SCHEMAS` maps
 * each name of `sys NAME` to the schema of its `--json` document (`procscope schema sys NAME`).
 * Sizes in meminfo and swaps are bytes; the kernel's other units (pages, ticks, 512-byte sectors,
 * 1 KiB blocks) stay as the kernel counts them, and the name says which.
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import type { SystemFileName } from "../procfs/system-files.js";
import { Count, type DeepReadonly, HexBigInt, Integer, Nullable } from "./_schema.js";

const Strings = (description: string) => Type.Record(Type.String(), Type.String(), { description });
const Counters = (description: string) => Type.Record(Type.String(), Count(), { description });
/** Values past the ones a parser names, if a kernel ever adds some. */
const Rest = <T extends TSchema>(item: T, description = "values after the known ones, if a kernel ever adds some") =>
  Type.Array(item, { description });
const NullableCount = (description?: string) => Nullable(Count(description));

// meminfo

const kib = (description?: string) => NullableCount(description);

export const MeminfoSchema = Type.Object(
  {
    memTotalBytes: Count("usable RAM: physical memory minus reserved bits and the kernel binary"),
    memFreeBytes: Count(),
    memAvailableBytes: kib("estimate of memory available for new work without swapping (since 3.14)"),
    buffersBytes: kib(),
    cachedBytes: kib(),
    swapCachedBytes: kib(),
    activeBytes: kib(),
    inactiveBytes: kib(),
    activeAnonBytes: kib(),
    inactiveAnonBytes: kib(),
    activeFileBytes: kib(),
    inactiveFileBytes: kib(),
    unevictableBytes: kib(),
    mlockedBytes: kib(),
    swapTotalBytes: kib(),
    swapFreeBytes: kib(),
    zswapBytes: kib("memory used by the zswap compressed cache (since 5.18)"),
    zswappedBytes: kib("uncompressed size of what zswap holds (since 5.18)"),
    dirtyBytes: kib(),
    writebackBytes: kib(),
    anonPagesBytes: kib(),
    mappedBytes: kib(),
    shmemBytes: kib(),
    kReclaimableBytes: kib("kernel allocations the kernel will try to reclaim under pressure (since 4.20)"),
    slabBytes: kib(),
    sReclaimableBytes: kib(),
    sUnreclaimBytes: kib(),
    kernelStackBytes: kib(),
    pageTablesBytes: kib(),
    secPageTablesBytes: kib("secondary page tables, e.g. KVM's (since 6.0)"),
    commitLimitBytes: kib(),
    committedAsBytes: kib(),
    vmallocTotalBytes: Nullable(HexBigInt("size of the vmalloc area (hex: with 5-level paging it is 12800 TiB, past 2^53 bytes)")),
    vmallocUsedBytes: kib(),
    vmallocChunkBytes: Nullable(HexBigInt("largest free vmalloc block (hex); reported as 0 since 4.4")),
    percpuBytes: kib(),
    hardwareCorruptedBytes: kib("only with CONFIG_MEMORY_FAILURE"),
    anonHugePagesBytes: kib(),
    shmemHugePagesBytes: kib(),
    fileHugePagesBytes: kib(),
    hugePagesTotal: NullableCount(),
    hugePagesFree: NullableCount(),
    hugePagesRsvd: NullableCount(),
    hugePagesSurp: NullableCount(),
    hugepagesizeBytes: kib("size of the default huge page"),
    hugetlbBytes: kib("memory used by huge pages of every size (since 4.16)"),
    directMap4kBytes: kib(),
    directMap2MBytes: kib(),
    directMap1GBytes: kib(),
    raw: Strings('every line as the kernel wrote it ("24684084 kB"), including keys not named above'),
  },
  {
    title: "Meminfo",
    additionalProperties: false,
    description: "/proc/meminfo: kB values as bytes; null when this kernel has no such line",
  },
);
export type Meminfo = DeepReadonly<Static<typeof MeminfoSchema>>;

// cpuinfo

export const CpuinfoProcessorSchema = Type.Object(
  {
    processor: Count('the logical CPU number ("processor" line): the N of cpuN in /proc/stat'),
    vendorId: Nullable(Type.String()),
    modelName: Nullable(Type.String()),
    cpuMhz: Nullable(Type.Number({ minimum: 0, description: 'current clock ("cpu MHz", x86); a snapshot, not a rating' })),
    cacheSizeBytes: NullableCount('"cache size" (x86)'),
    physicalId: NullableCount("socket number"),
    siblings: NullableCount("logical CPUs in this socket"),
    coreId: NullableCount(),
    cpuCores: NullableCount("cores in this socket"),
    apicId: NullableCount(),
    flags: Nullable(Type.Array(Type.String(), { description: 'CPU feature flags (x86 "flags", arm64 "Features")' })),
    bugs: Nullable(Type.Array(Type.String(), { description: 'known hardware bugs (x86 "bugs")' })),
    bogomips: Nullable(Type.Number({ minimum: 0, description: '"bogomips" (x86) or "BogoMIPS" (ARM)' })),
    raw: Strings('every "key: value" pair of this record as the kernel wrote it'),
  },
  { title: "CpuinfoProcessor", additionalProperties: false },
);
export type CpuinfoProcessor = DeepReadonly<Static<typeof CpuinfoProcessorSchema>>;

export const CpuinfoSchema = Type.Object(
  {
    processors: Type.Array(CpuinfoProcessorSchema),
    other: Type.Array(Strings("one record"), {
      description: 'records without a "processor" line (per-machine blocks on ARM, s390\'s summary), in order',
    }),
  },
  { title: "Cpuinfo", additionalProperties: false, description: "/proc/cpuinfo: one record per logical CPU" },
);
export type Cpuinfo = DeepReadonly<Static<typeof CpuinfoSchema>>;

// loadavg, uptime, version

export const LoadavgSchema = Type.Object(
  {
    load1: Type.Number({ minimum: 0, description: "average run-queue length (runnable plus uninterruptible tasks) over 1 minute" }),
    load5: Type.Number({ minimum: 0 }),
    load15: Type.Number({ minimum: 0 }),
    runnableEntities: Count("kernel scheduling entities (threads) runnable right now"),
    totalEntities: Count("kernel scheduling entities (threads) that exist"),
    lastPid: Count("the PID most recently given to a new process or thread"),
    other: Rest(Type.String()),
  },
  { title: "Loadavg", additionalProperties: false, description: "/proc/loadavg" },
);
export type Loadavg = DeepReadonly<Static<typeof LoadavgSchema>>;

export const UptimeSchema = Type.Object(
  {
    uptimeSeconds: Type.Number({ minimum: 0, description: "seconds since boot, including time spent suspended" }),
    idleSeconds: Type.Number({ minimum: 0, description: "seconds each CPU spent idle, added up over all CPUs" }),
  },
  { title: "Uptime", additionalProperties: false, description: "/proc/uptime" },
);
export type Uptime = DeepReadonly<Static<typeof UptimeSchema>>;

export const VersionSchema = Type.Object(
  {
    raw: Type.String({ description: "the whole line as the kernel wrote it" }),
    release: Type.String({ description: 'the kernel release, as uname -r prints it: "6.18.44-fc-v669"' }),
    builtBy: Nullable(Type.String({ description: '"user@host" that built the kernel' })),
    compiler: Nullable(Type.String({ description: "compiler and linker versions, without the outer parentheses" })),
    build: Type.String({ description: 'the rest, as uname -v prints it: "#1 SMP PREEMPT_DYNAMIC …"' }),
  },
  { title: "Version", additionalProperties: false, description: "/proc/version" },
);
export type Version = DeepReadonly<Static<typeof VersionSchema>>;

// stat

const cpuTimeProperties = {
  userTicks: Count(),
  niceTicks: Count(),
  systemTicks: Count(),
  idleTicks: Count(),
  iowaitTicks: NullableCount("waiting for I/O to complete; not reliable (proc_stat(5)); since 2.5.41"),
  irqTicks: NullableCount("servicing interrupts; since 2.6.0"),
  softirqTicks: NullableCount("servicing softirqs; since 2.6.0"),
  stealTicks: NullableCount("stolen by the hypervisor for other guests; since 2.6.11"),
  guestTicks: NullableCount("running a guest's virtual CPU; already in userTicks; since 2.6.24"),
  guestNiceTicks: NullableCount("running a niced guest; already in niceTicks; since 2.6.33"),
  otherTicks: Rest(Count()),
};

export const CpuTimesSchema = Type.Object(cpuTimeProperties, {
  title: "CpuTimes",
  additionalProperties: false,
  description: "time spent in each mode, in clock ticks (USER_HZ, sysconf(_SC_CLK_TCK))",
});
export type CpuTimes = DeepReadonly<Static<typeof CpuTimesSchema>>;

export const PerCpuTimesSchema = Type.Object(
  { cpu: Count('N of "cpuN": the logical CPU number'), ...cpuTimeProperties },
  { title: "PerCpuTimes", additionalProperties: false },
);
export type PerCpuTimes = DeepReadonly<Static<typeof PerCpuTimesSchema>>;

export const SystemStatSchema = Type.Object(
  {
    total: CpuTimesSchema,
    cpus: Type.Array(PerCpuTimesSchema, { description: 'the "cpuN" lines, in file order; offline CPUs have no line' }),
    interruptsTotal: Count('interrupts serviced since boot, all sources ("intr" first value)'),
    interrupts: Type.Array(Count(), { description: 'per-interrupt-number counts ("intr" further values), from interrupt 0' }),
    contextSwitches: Count('context switches since boot ("ctxt")'),
    bootTime: Count('boot time, seconds since the Unix epoch ("btime")'),
    processesCreated: Count('processes and threads created since boot ("processes")'),
    procsRunning: NullableCount('threads runnable right now ("procs_running", since 2.5.45)'),
    procsBlocked: NullableCount('threads blocked on I/O right now ("procs_blocked", since 2.5.45)'),
    softirqsTotal: NullableCount('softirqs serviced since boot ("softirq" first value, since 2.6.31)'),
    softirqs: Nullable(
      Type.Array(Count(), { description: "per-kind counts: HI, TIMER, NET_TX, NET_RX, BLOCK, IRQ_POLL, TASKLET, SCHED, HRTIMER, RCU" }),
    ),
    other: Strings('lines not named above ("page", "swap" on 2.4...), name → the rest of the line'),
  },
  { title: "SystemStat", additionalProperties: false, description: "/proc/stat (the system-wide one)" },
);
export type SystemStat = DeepReadonly<Static<typeof SystemStatSchema>>;

// vmstat, zoneinfo

export const VmstatSchema = Type.Object(
  {
    freePages: Count('"nr_free_pages"'),
    pageFaults: NullableCount('page faults since boot, minor and major ("pgfault")'),
    majorPageFaults: NullableCount('faults that needed I/O ("pgmajfault")'),
    swapInPages: NullableCount('pages read in from swap ("pswpin")'),
    swapOutPages: NullableCount('pages written out to swap ("pswpout")'),
    oomKills: NullableCount('processes killed by the OOM killer ("oom_kill", since 4.13)'),
    counters: Counters("every line, name → value in the kernel's unit, including the ones named above"),
  },
  { title: "Vmstat", additionalProperties: false, description: "/proc/vmstat" },
);
export type Vmstat = DeepReadonly<Static<typeof VmstatSchema>>;

export const ZoneinfoPagesetSchema = Type.Object(
  {
    cpu: Count(),
    countPages: Integer("pages in this CPU's free-page list"),
    highPages: Integer(),
    batchPages: Integer(),
    highMinPages: Nullable(Integer("since 6.7")),
    highMaxPages: Nullable(Integer("since 6.7")),
    vmStatsThreshold: NullableCount("how far this CPU's counters may drift before being folded in"),
  },
  { title: "ZoneinfoPageset", additionalProperties: false },
);
export type ZoneinfoPageset = DeepReadonly<Static<typeof ZoneinfoPagesetSchema>>;

export const ZoneinfoZoneSchema = Type.Object(
  {
    node: Count(),
    zone: Type.String({ description: '"DMA", "DMA32", "Normal", "HighMem", "Movable", "Device"' }),
    freePages: Count(),
    minPages: Count(),
    lowPages: Count(),
    highPages: Count(),
    boostPages: NullableCount("watermark boost (since 5.0)"),
    promoPages: NullableCount("promotion watermark for memory tiering (since 6.1)"),
    spannedPages: Count(),
    presentPages: Count(),
    managedPages: NullableCount("pages the buddy allocator manages (since 2.6.37)"),
    cmaPages: NullableCount(),
    protectionPages: Nullable(
      Type.Array(Count(), { description: "lowmem_reserve: pages kept back from allocations that could use each higher zone" }),
    ),
    stats: Counters("zone counters (nr_*, numa_*), name → value; empty for an unpopulated zone"),
    pagesets: Type.Array(ZoneinfoPagesetSchema),
    nodeUnreclaimable: Nullable(Type.Boolean()),
    startPfn: NullableCount("first page frame number of the zone"),
    other: Strings('watermark and "key: value" lines not named above (e.g. "all_unreclaimable" on 2.6)'),
  },
  { title: "ZoneinfoZone", additionalProperties: false },
);
export type ZoneinfoZone = DeepReadonly<Static<typeof ZoneinfoZoneSchema>>;

export const ZoneinfoNodeSchema = Type.Object(
  { node: Count(), stats: Counters('the node\'s counters ("per-node stats"), name → value') },
  { title: "ZoneinfoNode", additionalProperties: false },
);
export type ZoneinfoNode = DeepReadonly<Static<typeof ZoneinfoNodeSchema>>;

export const ZoneinfoSchema = Type.Object(
  {
    nodes: Type.Array(ZoneinfoNodeSchema, { description: 'nodes that printed "per-node stats" (since 4.8; empty before)' }),
    zones: Type.Array(ZoneinfoZoneSchema),
  },
  { title: "Zoneinfo", additionalProperties: false, description: "/proc/zoneinfo: all values in pages" },
);
export type Zoneinfo = DeepReadonly<Static<typeof ZoneinfoSchema>>;

// devices, dma, filesystems

export const DeviceMajorSchema = Type.Object(
  { major: Count(), name: Type.String({ description: 'driver name; may be a path such as "/dev/vc/0"' }) },
  { title: "DeviceMajor", additionalProperties: false },
);
export type DeviceMajor = DeepReadonly<Static<typeof DeviceMajorSchema>>;

export const DevicesSchema = Type.Object(
  {
    character: Type.Array(DeviceMajorSchema),
    block: Nullable(Type.Array(DeviceMajorSchema, { description: 'null when the kernel has no block layer (no "Block devices:")' })),
  },
  { title: "Devices", additionalProperties: false, description: "/proc/devices" },
);
export type Devices = DeepReadonly<Static<typeof DevicesSchema>>;

export const DmaChannelSchema = Type.Object(
  { channel: Count(), device: Type.String({ description: "name of the driver holding the channel" }) },
  { title: "DmaChannel", additionalProperties: false },
);
export type DmaChannel = DeepReadonly<Static<typeof DmaChannelSchema>>;

export const FilesystemSchema = Type.Object(
  {
    name: Type.String(),
    nodev: Type.Boolean({ description: "not backed by a block device (proc, tmpfs, cgroup2...)" }),
  },
  { title: "Filesystem", additionalProperties: false },
);
export type Filesystem = DeepReadonly<Static<typeof FilesystemSchema>>;

// partitions, diskstats, mounts, swaps

export const PartitionSchema = Type.Object(
  {
    major: Count(),
    minor: Count(),
    blocks: Count("size in 1024-byte blocks, the kernel's unit in this file"),
    name: Type.String({ description: 'kernel name, as under /sys/block: "vda", "nvme0n1p2", "dm-0"' }),
    other: Rest(Type.String(), "columns after the name (2.4 kernels appended I/O statistics here), as written"),
  },
  { title: "Partition", additionalProperties: false },
);
export type Partition = DeepReadonly<Static<typeof PartitionSchema>>;

export const DiskStatsSchema = Type.Object(
  {
    major: Count(),
    minor: Count(),
    name: Type.String({ description: 'kernel name, as under /sys/block: "vda", "sda1", "dm-0"' }),
    reads: Count("(1) reads completed"),
    readsMerged: Count("(2) adjacent reads merged into one"),
    readSectors: Count("(3) 512-byte sectors read"),
    readTimeMs: Count("(4) milliseconds spent on reads, summed over requests"),
    writes: Count("(5) writes completed"),
    writesMerged: Count(),
    writeSectors: Count(),
    writeTimeMs: Count(),
    inFlight: Count("(9) requests in flight now (the only field that is not a counter)"),
    ioTimeMs: Count('(10) milliseconds the device had requests in flight ("%util" is its rate)'),
    weightedIoTimeMs: Count("(11) milliseconds spent doing I/O, weighted by the requests in flight"),
    discards: NullableCount("(12) discards completed (since 4.18)"),
    discardsMerged: NullableCount(),
    discardSectors: NullableCount(),
    discardTimeMs: NullableCount(),
    flushes: NullableCount("(16) flush requests completed (since 5.5)"),
    flushTimeMs: NullableCount(),
    other: Rest(Count(), "counters after the 17th, if a kernel ever adds some"),
  },
  { title: "DiskStats", additionalProperties: false },
);
export type DiskStats = DeepReadonly<Static<typeof DiskStatsSchema>>;

export const MountSchema = Type.Object(
  {
    source: Type.String({ description: 'what is mounted (fs_spec): a device path, or any label ("proc", "tmpfs", "overlay")' }),
    mountPoint: Type.String(),
    fsType: Type.String(),
    options: Type.Array(Type.String(), { description: 'mount options in order, e.g. ["rw", "relatime", "size=12334460k"]' }),
    dump: Count("fs_freq: always 0 from the kernel"),
    pass: Count("fs_passno: always 0 from the kernel"),
    other: Rest(Type.String(), "fields after the sixth, if any, escapes decoded"),
  },
  { title: "Mount", additionalProperties: false },
);
export type Mount = DeepReadonly<Static<typeof MountSchema>>;

export const SwapAreaSchema = Type.Object(
  {
    filename: Type.String({ description: "path of the swap device or file, escapes decoded" }),
    type: Type.String({ description: '"partition" or "file"' }),
    sizeBytes: Count(),
    usedBytes: Count(),
    priority: Integer("higher is used first; areas without an explicit priority get negative ones (-2, -3, ...)"),
    other: Rest(Type.String()),
  },
  { title: "SwapArea", additionalProperties: false },
);
export type SwapArea = DeepReadonly<Static<typeof SwapAreaSchema>>;

const listOf = (item: TSchema, title: string, file: string) =>
  Type.Array(item, { title, description: `/proc/${file}, one element per entry` });

/** The schema of `sys NAME --json`, by NAME: the names of SYSTEM_FILES, no more, no fewer (tsc checks). */
export const SYSTEM_FILE_SCHEMAS: Readonly<Record<SystemFileName, TSchema>> = Object.freeze({
  meminfo: MeminfoSchema,
  cpuinfo: CpuinfoSchema,
  loadavg: LoadavgSchema,
  uptime: UptimeSchema,
  stat: SystemStatSchema,
  vmstat: VmstatSchema,
  zoneinfo: ZoneinfoSchema,
  devices: DevicesSchema,
  dma: listOf(DmaChannelSchema, "DmaChannel[]", "dma"),
  version: VersionSchema,
  filesystems: listOf(FilesystemSchema, "Filesystem[]", "filesystems"),
  partitions: listOf(PartitionSchema, "Partition[]", "partitions"),
  diskstats: listOf(DiskStatsSchema, "DiskStats[]", "diskstats"),
  mounts: listOf(MountSchema, "Mount[]", "mounts"),
  swaps: listOf(SwapAreaSchema, "SwapArea[]", "swaps"),
});
