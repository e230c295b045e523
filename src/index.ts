/**
 * procscope as a library: typed access to /proc, the same functions the CLI, the HTTP API and the
 * exporter use. The exports are grouped by area, as the source folders are: access (ProcFs, the
 * only code that reads /proc), errors, files (fds, lsof, sockets, channels, recover, progress,
 * follow), kernel (kallsyms, sysctl), live (sampling, watch), memory (maps, read, search, strings,
 * dump, safe writes), model (the one process reader, ProcessRef), processes (Process, details,
 * tree, sort), system and threads. The pure parsers are a separate entry, `procscope/procfs`.
 *
 * One first argument: features about processes take a `ProcessContext` (ProcFs + system facts +
 * user names, from `createProcessContext`), or the `ProcFs` alone when they need nothing else.
 *
 *   import { createProcessContext, listProcesses, openProcFs } from "procscope";
 *   const context = createProcessContext(openProcFs());
 *   const { processes } = listProcesses(context, { fields: ["comm", "rssBytes"] });
 */
export { openProcFs, type ProcessDir, type ProcFs, type ProcFsOptions, type RawFile } from "./access/proc-fs.js";
export { readSystemInfo, type SystemInfo } from "./access/system-info.js";
export { escapeControl, rawBase64IfInvalid } from "./bytes.js";
export {
  AccessDenied,
  Conflict,
  InvalidArgument,
  isProcError,
  NotFound,
  ParseError,
  ProcError,
  type ProcErrorKind,
  ProcessGone,
  Unavailable,
} from "./errors.js";
export {
  buildChannels,
  type Channel,
  type ChannelEnd,
  type ChannelKind,
  type ChannelOptions,
  listChannels,
  renderChannelsDot,
} from "./files/channels.js";
export {
  classifyTarget,
  type DeletedTotal,
  FD_TYPES,
  type FdType,
  type FileDescriptor,
  type FileUse,
  type ListOpenFilesOptions,
  listFds,
  listOpenFiles,
  type ProcessFiles,
  type ReadFdOptions,
  readFd,
  readFileUses,
  sumDeletedFiles,
} from "./files/fds.js";
export { explainFollowRefusal, type FollowOptions, type FollowTarget, follow } from "./files/follow.js";
export { pathMatcher } from "./files/holders.js";
export { findBottleneck, type Pipeline, type PipelineOptions, type PipelineStage, tracePipeline } from "./files/pipeline.js";
export { type FileProgress, measureProgress, type ProgressOptions, type ProgressTick, watchProgress } from "./files/progress.js";
export {
  type RecoverDeletedResult,
  type RecoverFailure,
  type RecoverOptions,
  type RecoverResult,
  recover,
  recoverDeleted,
} from "./files/recover.js";
export {
  listSockets,
  readSocketTables,
  SOCKET_PROTOCOLS,
  type Socket,
  type SocketOwner,
  type SocketProtocol,
  type SocketsOptions,
  type SocketTable,
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
export type { CpuUsage } from "./live/rates.js";
export {
  createSampler,
  type MemoryUsage,
  type SampledProcess,
  type Sampler,
  type SamplerOptions,
  type Snapshot,
  sampleOnce,
  streamSamples,
  type TaskCounts,
} from "./live/sampler.js";
export { DEFAULT_WATCH_INTERVAL_MS, type WatchOptions, watchProcesses } from "./live/watch.js";
export { type DumpedRegion, type DumpIndex, type DumpOptions, dumpRegions } from "./memory/dump.js";
export { type FreezeOptions, type Frozen, freezeProcess } from "./memory/freeze.js";
export {
  type HistoryEntry,
  readAllShellHistories,
  readShellHistory,
  type ShellHistory,
  type ShellHistoryFailure,
} from "./memory/history.js";
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
export {
  findStrings,
  type StringBatch,
  type StringEncoding,
  type StringRun,
  type StringsOptions,
  scanStringBatches,
} from "./memory/strings.js";
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
// Model: the JSON shapes of the commands (TypeBox schemas in src/model/, loaded by commandJsonSchema)
export { COMMAND_CONTRACTS, type CommandContract, commandJsonSchema, SCHEMA_COMMANDS } from "./model/commands.js";
export type { ReadReport } from "./model/memory.js";
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
  SkippedTally,
} from "./model/reader.js";
export {
  type ProcessRef,
  parseProcessRefText,
  processRefKey,
  readProcessRef,
  sameProcess,
  verifyProcessRef,
} from "./model/ref.js";
export type { Hole, MapsEntry, RegionUsage } from "./model/region.js";
export type { ReplaceReport, UndoEntry, UndoReport, Write, WriteReport } from "./model/write.js";
export { type ContainerInfo, detectContainer } from "./processes/container.js";
export { createProcessContext } from "./processes/context.js";
export { DETAIL_NAMES, type DetailsOptions, getProcessDetails, type Limit, type ProcessDetails } from "./processes/details.js";
export { getProcess, PROCESS_SHAPE_FIELDS, type Process } from "./processes/process.js";
export { matchesFilter, PROCESS_SORT_KEYS, sortProcesses } from "./processes/sort.js";
export { buildTree, flattenTree, type TreeNode, type TreeRow } from "./processes/tree.js";
export { createUserDb, type UserDb } from "./processes/users.js";
export { readSystemFile, readSystemOverview, SYSTEM_FILE_NAMES, type SystemOverview } from "./system/overview.js";
export { type BlockedOptions, type BlockedTask, listBlocked } from "./threads/blocked.js";
export { groupStacks, type StackGroup } from "./threads/group.js";
export { type CurrentSyscall, decodeSyscall, formatSyscall, HOST_SYSCALL_ARCH } from "./threads/syscall.js";
export { listThreads, readThreadStacks, type Thread, type ThreadContext, type ThreadOptions, type ThreadStack } from "./threads/threads.js";
