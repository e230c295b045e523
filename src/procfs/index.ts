/**
 * procscope/procfs: the pure parsers, one module per /proc file family. Text (or bytes) in, typed
 * value out; no I/O and no Node imports, so they run on captured text anywhere.
 *
 *   import { parsePidStat } from "procscope/procfs";
 *   parsePidStat("1 (systemd) S 0 1 1 0 -1 4194560 …").comm === "systemd"
 */
export { ParseError } from "../errors.js";
export { type LineProblem, problemsOf, type WithProblems } from "./_lines.js";
export {
  CAP_LAST_CAP,
  CAPABILITY_NAMES,
  type CapabilityName,
  capabilityNames,
  capabilityNumber,
  isFullCapabilitySet,
} from "./capabilities.js";
export { type Cpuinfo, type CpuinfoProcessor, parseCpuinfo } from "./cpuinfo.js";
export { type DeviceMajor, type Devices, parseDevices } from "./devices.js";
export { type DiskStats, parseDiskstats } from "./diskstats.js";
export { type DmaChannel, parseDma } from "./dma.js";
export { type EtcGroup, type GroupEntry, parseEtcGroup } from "./etc/group.js";
export { accountLines, type EtcPasswd, type PasswdEntry, parseEtcPasswd, parseId } from "./etc/passwd.js";
export { type Filesystem, parseFilesystems } from "./filesystems.js";
export { type KallsymsTable, kallsymsAddress, kallsymsModule, kallsymsName, parseKallsyms } from "./kallsyms.js";
export { type Loadavg, parseLoadavg } from "./loadavg.js";
export { type Meminfo, parseMeminfo } from "./meminfo.js";
export { type Mount, parseMounts } from "./mounts.js";
export { type PacketSocketEntry, parseNetPacket } from "./net/packet.js";
export { parseNetRaw, parseNetRaw6 } from "./net/raw.js";
export {
  decodeHexAddress,
  formatIpv6,
  type InetFamily,
  type InetSocketEntry,
  parseNetInet,
  parseNetTcp,
  parseNetTcp6,
  TCP_STATES,
} from "./net/tcp.js";
export { parseNetUdp, parseNetUdp6 } from "./net/udp.js";
export { parseNetUnix, type UnixSocketEntry, unixNameAsPrinted } from "./net/unix.js";
export { type Partition, parsePartitions } from "./partitions.js";
export { AT_CLKTCK, AT_PAGESZ, parseAuxv } from "./pid/auxv.js";
export { type PidCgroup, parsePidCgroup } from "./pid/cgroup.js";
export { parseCmdline, parseEnviron, splitNulBytes } from "./pid/cmdline.js";
export { parseComm } from "./pid/comm.js";
export { accessMode, decodeOpenFlags, type PidFdinfo, parsePidFdinfo } from "./pid/fdinfo.js";
export { type PidIo, parsePidIo } from "./pid/io.js";
export { type PidLimit, parsePidLimits, pidLimit, type RlimitResource, type RlimitValue } from "./pid/limits.js";
export { AUDIT_UID_UNSET, parsePidLoginuid } from "./pid/loginuid.js";
export { parseMapsLine, parsePidMaps, type Region, type RegionKind, type RegionSection, regionLabel, withSections } from "./pid/maps.js";
export { type MountInfo, type MountOptionalField, parsePidMountinfo, unescapeMountField } from "./pid/mountinfo.js";
export { NAMESPACE_LINKS, type NamespaceLink, type NsLink, parseNsLink } from "./pid/ns.js";
export { OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN, parsePidOomScore, parsePidOomScoreAdj } from "./pid/oom_score.js";
export {
  decodePersonality,
  PER_MASK,
  PERSONALITY_FLAGS,
  type PersonalityFlag,
  type PidPersonality,
  parsePidPersonality,
} from "./pid/personality.js";
export { type PidSched, parsePidSched } from "./pid/sched.js";
export { createSmapsParser, parsePidSmaps, type SmapsParser, type SmapsRegion, type SmapsTotals, smapsTotals } from "./pid/smaps.js";
export { formatStackFrame, parsePidStack, type StackFrame } from "./pid/stack.js";
export {
  decodeTtyNr,
  isKernelThreadFlags,
  PF_KTHREAD,
  type PidStat,
  type PidStatIdentity,
  parsePidStat,
  parsePidStatIdentity,
} from "./pid/stat.js";
export { type PidStatm, parsePidStatm } from "./pid/statm.js";
export {
  type IdSet,
  type PidStatus,
  type PidStatusBrief,
  parseKeyValueLines,
  parsePidStatus,
  parsePidStatusBrief,
  pidStatusLine,
} from "./pid/status.js";
export { type PidSyscall, parsePidSyscall } from "./pid/syscall.js";
export { parsePidWchan } from "./pid/wchan.js";
export { type CpuTimes, type PerCpuTimes, parseSystemStat, type SystemStat } from "./stat.js";
export { parseSwaps, type SwapArea } from "./swaps.js";
export { isSystemFileName, SYSTEM_FILE_NAMES, SYSTEM_FILES, type SystemFile, type SystemFileName } from "./system-files.js";
export { parseUptime, type Uptime } from "./uptime.js";
export { parseVersion, type Version } from "./version.js";
export { parseVmstat, type Vmstat } from "./vmstat.js";
export { parseZoneinfo, type Zoneinfo, type ZoneinfoNode, type ZoneinfoPageset, type ZoneinfoZone } from "./zoneinfo.js";
