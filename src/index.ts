/**
 * procscope as a library: typed access to /proc.
 *
 *   import { openProcFs, createProcessContext, listProcesses } from "procscope";
 *   const context = createProcessContext(openProcFs());
 *   for (const p of listProcesses(context)) console.log(p.pid, p.comm);
 */
export { openProcFs, type ProcessDir, type ProcFs, type ProcFsOptions, type RawFile } from "./access/proc-fs.js";
export { readSystemInfo, type SystemInfo } from "./access/system-info.js";
export { decodeBytes, escapeControl } from "./bytes.js";
export * from "./errors.js";
export {
  buildChannels,
  type Channel,
  type ChannelEnd,
  type ChannelKind,
  type ChannelOptions,
  channels,
  channelsToDot,
} from "./files/channels.js";
// Files and connections: open fds, lsof, channels between processes, sockets, recover, progress, follow, pipelines.
export {
  classifyTarget,
  type DeletedTotal,
  deletedTotals,
  FD_TYPES,
  type FdType,
  type FileDescriptor,
  type ListOpenFilesOptions,
  listFds,
  listOpenFiles,
  type ProcessFiles,
  type ReadFdOptions,
  readFd,
} from "./files/fds.js";
export { type FollowOptions, type FollowTarget, follow, followRefusal } from "./files/follow.js";
export { pathMatcher } from "./files/holders.js";
export { findBottleneck, type Pipeline, type PipelineOptions, type PipelineStage, pipeline } from "./files/pipeline.js";
export { type FileProgress, type ProgressOptions, type ProgressTick, progress, watchProgress } from "./files/progress.js";
export {
  type RecoverDeletedResult,
  type RecoverFailure,
  type RecoverOptions,
  type RecoverResult,
  recover,
  recoverDeleted,
} from "./files/recover.js";
export {
  readSocketTables,
  SOCKET_PROTOCOLS,
  type Socket,
  type SocketOwner,
  type SocketProtocol,
  type SocketsOptions,
  type SocketTable,
  sockets,
} from "./files/sockets.js";
export { type AddressHit, type KallsymsIndex, type KernelSymbol, type KsymQuery, loadKallsyms, parseKsymQuery } from "./kernel/kallsyms.js";
export {
  listSysctl,
  type SysctlChange,
  type SysctlEntry,
  type SysctlListOptions,
  type SysctlWriteOptions,
  sysctlPath,
  writeSysctl,
} from "./kernel/sysctl.js";
export {
  type CpuTicks,
  type CpuUsage,
  cpuUsage,
  identityKey,
  type PreviousSample,
  type Rates,
  rateOf,
  type TickRecord,
} from "./live/rates.js";
// Live views: sampling (CPU% over an interval, per-CPU, memory, I/O rates) and process start/exit events.
export {
  createSampler,
  type MemoryUsage,
  type SampledProcess,
  type Sampler,
  type SamplerOptions,
  type Snapshot,
  sampleOnce,
  samples,
  type TaskCounts,
} from "./live/sampler.js";
export { LIVE_SORT_KEYS, sortSampled, treeRows } from "./live/sort.js";
export { DEFAULT_WATCH_INTERVAL_MS, type WatchOptions, watchProcesses } from "./live/watch.js";
export { type DumpedRegion, type DumpIndex, type DumpOptions, dumpRegions } from "./memory/dump.js";
export { type FreezeOptions, type Frozen, freezeProcess } from "./memory/freeze.js";
export { allShellHistories, type HistoryEntry, type ShellHistory, type ShellHistoryFailure, shellHistory } from "./memory/history.js";
export { defaultJournalPath, type JournalContents, type JournalEntry, openJournal, parseJournal, readJournal } from "./memory/journal.js";
export { readMaps, readProcessMaps, readSmaps } from "./memory/maps.js";
export {
  type MemoryChunk,
  type MemoryHole,
  type MemoryPiece,
  type MemoryRead,
  openProcessMemory,
  type ProcessMemory,
  type ReadRegionOptions,
  readMemory,
  readRegion,
} from "./memory/reader.js";
export {
  DEFAULT_SELECTOR,
  parseRegionSelector,
  type RegionSelector,
  resolveAddress,
  type SelectedRegion,
  selectRegions,
} from "./memory/regions.js";
export { type ScanEvent, type ScanOptions, scan } from "./memory/scan.js";
export {
  type CompiledPattern,
  compilePattern,
  type Match,
  newSearchStats,
  type PatternSpec,
  type SearchOptions,
  type SearchStats,
  search,
  searchAll,
  searchMemory,
} from "./memory/search.js";
export { type StringBatch, type StringEncoding, type StringRun, type StringsOptions, stringBatches, strings } from "./memory/strings.js";
// Features add their exports below, one block per area.
// memory, part 2: safe writes with a journal and undo, shell history
export {
  checkWriteTarget,
  type PlannedWrite,
  type ReplaceOptions,
  type ReplaceResult,
  replace,
  type UndoEntryResult,
  type UndoOptions,
  type UndoResult,
  undo,
  type WriteOptions,
  type WritePolicy,
  type WriteResult,
  writeMemory,
} from "./memory/write.js";
export type { ProcessEvent, ProcessTreeNode } from "./model/process.js";
export {
  describeSkipped,
  type FieldErrors,
  type ListProcessesOptions,
  listProcesses,
  PROCESS_FIELDS,
  type ProcessContext,
  type ProcessField,
  type ProcessFieldValues,
  type ProcessListing,
  type ProcessRecord,
  readProcess,
  type SkippedProcesses,
} from "./model/reader.js";
export {
  type ProcessRef,
  parseProcessRefText,
  processRefKey,
  readProcessRef,
  sameProcess,
  verifyProcessRef,
} from "./model/ref.js";
export { type ContainerInfo, detectContainer } from "./processes/container.js";
export { createProcessContext } from "./processes/context.js";
export { DETAIL_NAMES, type DetailsOptions, getProcessDetails, type Limit, type ProcessDetails } from "./processes/details.js";
export { getProcess, PROCESS_SHAPE_FIELDS, type Process } from "./processes/process.js";
export { matchesFilter, PROCESS_SORT_KEYS, sortProcesses } from "./processes/sort.js";
export { buildTree, flattenTree, type TreeNode, type TreeRow } from "./processes/tree.js";
export { createUserDb, type UserDb } from "./processes/users.js";
export { capabilityNames } from "./procfs/capabilities.js";
export { type KallsymsTable, parseKallsyms } from "./procfs/kallsyms.js";
export { type PacketSocketEntry, parseNetPacket } from "./procfs/net/packet.js";
export { parseNetRaw, parseNetRaw6 } from "./procfs/net/raw.js";
export { decodeHexAddress, type InetFamily, type InetSocketEntry, parseNetInet, parseNetTcp, parseNetTcp6 } from "./procfs/net/tcp.js";
export { parseNetUdp, parseNetUdp6 } from "./procfs/net/udp.js";
export { parseNetUnix, type UnixSocketEntry } from "./procfs/net/unix.js";
export { parseCmdline, parseEnviron } from "./procfs/pid/cmdline.js";
export { accessMode, decodeOpenFlags, type PidFdinfo, parsePidFdinfo } from "./procfs/pid/fdinfo.js";
// Memory (read side): maps, smaps, /proc/PID/mem reader, selectors, scan, search, strings, dump
export {
  type MapsRegion,
  parseMapsLine,
  parsePidMaps,
  type RegionKind,
  type RegionSection,
} from "./procfs/pid/maps.js";
export { type PidSched, parsePidSched } from "./procfs/pid/sched.js";
export { parsePidSmaps, type SmapsRegion, type SmapsTotals, smapsTotals } from "./procfs/pid/smaps.js";
export { formatStackFrame, parsePidStack, type StackFrame } from "./procfs/pid/stack.js";
// Parsers (pure: text in, typed value out)
export { type PidStat, parsePidStat } from "./procfs/pid/stat.js";
export { type PidStatm, parsePidStatm } from "./procfs/pid/statm.js";
export { type PidStatus, parsePidStatus } from "./procfs/pid/status.js";
export { type PidSyscall, parsePidSyscall } from "./procfs/pid/syscall.js";
export { type SyscallArch, syscallArchOf, syscallName } from "./procfs/syscalls/index.js";
export { readSystemFile, SYSTEM_FILE_NAMES, type SystemOverview, systemOverview } from "./system/overview.js";
export { type BlockedOptions, type BlockedTask, listBlocked } from "./threads/blocked.js";
export { groupStacks, type StackGroup } from "./threads/group.js";
export { type CurrentSyscall, decodeSyscall, formatSyscall, HOST_SYSCALL_ARCH } from "./threads/syscall.js";
// Threads and the kernel: per-thread state and kernel stacks, blocked (D-state) tasks, kallsyms, sysctl.
export { listThreads, readThreadStacks, type Thread, type ThreadContext, type ThreadOptions, type ThreadStack } from "./threads/threads.js";
