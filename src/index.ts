/**
 * procscope as a library: typed access to /proc.
 *
 *   import { openProcFs, createProcessContext, listProcesses } from "procscope";
 *   const context = createProcessContext(openProcFs());
 *   for (const p of listProcesses(context)) console.log(p.pid, p.comm);
 */
export { openProcFs, type ProcFs, type ProcessDir, type RawFile, type ProcFsOptions } from "./access/proc-fs.js";
export { readSystemInfo, type SystemInfo } from "./access/system-info.js";
export * from "./errors.js";
export { decodeBytes, escapeControl } from "./bytes.js";
export { type Process, type ProcessContext, type ProcessFields, readProcess } from "./processes/process.js";
export { listProcesses, type ListOptions } from "./processes/list.js";
export { buildTree, type ProcessNode } from "./processes/tree.js";
export { createProcessContext } from "./processes/context.js";
// Parsers (pure: text in, typed value out)
export { parsePidStat, type PidStat } from "./procfs/pid/stat.js";
export { parsePidStatus, type PidStatus } from "./procfs/pid/status.js";
export { parsePidStatm, type PidStatm } from "./procfs/pid/statm.js";
export { parseCmdline, parseEnviron } from "./procfs/pid/cmdline.js";
// Features add their exports below, one block per area.
// memory, part 2: safe writes with a journal and undo, shell history
export {
  writeMemory,
  replace,
  undo,
  checkWriteTarget,
  type WriteOptions,
  type WritePolicy,
  type WriteResult,
  type PlannedWrite,
  type ReplaceOptions,
  type ReplaceResult,
  type UndoOptions,
  type UndoResult,
  type UndoEntryResult,
} from "./memory/write.js";
export { readJournal, parseJournal, openJournal, defaultJournalPath, type JournalContents, type JournalEntry } from "./memory/journal.js";
export { freezeProcess, type Frozen, type FreezeOptions } from "./memory/freeze.js";
export { shellHistory, allShellHistories, type ShellHistory, type HistoryEntry, type ShellHistoryFailure } from "./memory/history.js";
// Live views: sampling (CPU% over an interval, per-CPU, memory, I/O rates) and process start/exit events.
export {
  createSampler,
  sampleOnce,
  samples,
  type Sampler,
  type SamplerOptions,
  type Snapshot,
  type SampledProcess,
  type MemoryUsage,
  type TaskCounts,
} from "./live/sampler.js";
export {
  rateOf,
  cpuUsage,
  identityKey,
  type Rates,
  type CpuUsage,
  type CpuTicks,
  type TickRecord,
  type PreviousSample,
} from "./live/rates.js";
export { sortSampled, treeRows, matchesFilter, LIVE_SORT_KEYS, type TreeRow } from "./live/sort.js";
export { watchProcesses, DEFAULT_WATCH_INTERVAL_MS, type ProcessEvent, type WatchOptions } from "./live/watch.js";
// Threads and the kernel: per-thread state and kernel stacks, blocked (D-state) tasks, kallsyms, sysctl.
export { listThreads, readThreadStacks, type Thread, type ThreadStack, type ThreadContext, type ThreadOptions } from "./threads/threads.js";
export { groupStacks, type StackGroup } from "./threads/group.js";
export { listBlocked, type BlockedTask, type BlockedOptions } from "./threads/blocked.js";
export { decodeSyscall, formatSyscall, HOST_SYSCALL_ARCH, type CurrentSyscall } from "./threads/syscall.js";
export { loadKallsyms, parseKsymQuery, type KallsymsIndex, type KernelSymbol, type AddressHit, type KsymQuery } from "./kernel/kallsyms.js";
export {
  listSysctl,
  writeSysctl,
  sysctlPath,
  type SysctlEntry,
  type SysctlChange,
  type SysctlListOptions,
  type SysctlWriteOptions,
} from "./kernel/sysctl.js";
export { parsePidStack, formatStackFrame, type StackFrame } from "./procfs/pid/stack.js";
export { parsePidSyscall, type PidSyscall } from "./procfs/pid/syscall.js";
export { parsePidSched, type PidSched } from "./procfs/pid/sched.js";
export { parseKallsyms, type KallsymsTable } from "./procfs/kallsyms.js";
export { syscallName, syscallArchOf, type SyscallArch } from "./procfs/syscalls/index.js";
// Files and connections: open fds, lsof, channels between processes, sockets, recover, progress, follow, pipelines.
export {
  listFds,
  listOpenFiles,
  readFd,
  deletedTotals,
  classifyTarget,
  FD_TYPES,
  type FileDescriptor,
  type FdType,
  type ProcessFiles,
  type DeletedTotal,
  type ReadFdOptions,
  type ListOpenFilesOptions,
} from "./files/fds.js";
export { pathMatcher } from "./files/holders.js";
export {
  channels,
  buildChannels,
  channelsToDot,
  type Channel,
  type ChannelEnd,
  type ChannelKind,
  type ChannelOptions,
} from "./files/channels.js";
export {
  sockets,
  readSocketTables,
  SOCKET_PROTOCOLS,
  type Socket,
  type SocketOwner,
  type SocketProtocol,
  type SocketTable,
  type SocketsOptions,
} from "./files/sockets.js";
export {
  recover,
  recoverDeleted,
  type RecoverOptions,
  type RecoverResult,
  type RecoverDeletedResult,
  type RecoverFailure,
} from "./files/recover.js";
export { progress, watchProgress, type FileProgress, type ProgressOptions, type ProgressTick } from "./files/progress.js";
export { follow, followRefusal, type FollowOptions, type FollowTarget } from "./files/follow.js";
export { pipeline, findBottleneck, type Pipeline, type PipelineStage, type PipelineOptions } from "./files/pipeline.js";
export { parsePidFdinfo, decodeOpenFlags, accessMode, type PidFdinfo } from "./procfs/pid/fdinfo.js";
export { parseNetInet, parseNetTcp, parseNetTcp6, decodeHexAddress, type InetSocketEntry, type InetFamily } from "./procfs/net/tcp.js";
export { parseNetUdp, parseNetUdp6 } from "./procfs/net/udp.js";
export { parseNetRaw, parseNetRaw6 } from "./procfs/net/raw.js";
export { parseNetUnix, type UnixSocketEntry } from "./procfs/net/unix.js";
export { parseNetPacket, type PacketSocketEntry } from "./procfs/net/packet.js";
// Memory (read side): maps, smaps, /proc/PID/mem reader, selectors, scan, search, strings, dump
export {
  parsePidMaps,
  parseMapsLine,
  type MapsRegion,
  type RegionKind,
  type RegionSection,
} from "./procfs/pid/maps.js";
export { parsePidSmaps, smapsTotals, type SmapsRegion, type SmapsTotals } from "./procfs/pid/smaps.js";
export { readMaps, readSmaps, readProcessMaps } from "./memory/maps.js";
export {
  openProcessMemory,
  readMemory,
  readRegion,
  type ProcessMemory,
  type MemoryRead,
  type MemoryPiece,
  type MemoryChunk,
  type MemoryHole,
  type ReadRegionOptions,
} from "./memory/reader.js";
export {
  parseRegionSelector,
  selectRegions,
  resolveAddress,
  DEFAULT_SELECTOR,
  type RegionSelector,
  type SelectedRegion,
} from "./memory/regions.js";
export { scan, type ScanEvent, type ScanOptions } from "./memory/scan.js";
export {
  search,
  searchAll,
  searchMemory,
  compilePattern,
  newSearchStats,
  type Match,
  type PatternSpec,
  type CompiledPattern,
  type SearchOptions,
  type SearchStats,
} from "./memory/search.js";
export { strings, stringBatches, type StringRun, type StringBatch, type StringsOptions, type StringEncoding } from "./memory/strings.js";
export { dumpRegions, type DumpIndex, type DumpedRegion, type DumpOptions } from "./memory/dump.js";
