/**
 * "Why is this blank?" is the question users of htop, psutil and lsof ask most. When the kernel
 * says EACCES/EPERM, look at who we are, who owns the process, and how /proc is mounted, and say
 * which of the usual causes applies.
 */
import fs from "node:fs";
import { errnoCode } from "../errors.js";
import { capabilityNames } from "../procfs/capabilities.js";
import type { ProcessDir, ProcFs } from "./proc-fs.js";

/** Facts about the caller and the /proc mount, read once. */
interface CallerFacts {
  readonly euid: number;
  readonly hidepid: string | null;
  readonly ptraceScope: number | null;
}

let cachedFacts: CallerFacts | undefined;

function callerFacts(procFs: ProcFs): CallerFacts {
  if (cachedFacts) return cachedFacts;
  const euid = typeof process.geteuid === "function" ? process.geteuid() : -1;
  let hidepid: string | null = null;
  try {
    const mountinfo = fs.readFileSync("/proc/self/mountinfo", "utf8");
    for (const line of mountinfo.split("\n")) {
      const fields = line.split(" ");
      if (fields[4] !== procFs.root && !(procFs.isLive && fields[4] === "/proc")) continue;
      const match = /(?:^|,)hidepid=([^,\s]+)/.exec(line);
      if (match) hidepid = match[1] ?? null;
    }
  } catch {
    // Not knowing the mount options only makes the explanation less specific.
  }
  let ptraceScope: number | null = null;
  try {
    ptraceScope = Number(fs.readFileSync("/proc/sys/kernel/yama/ptrace_scope", "utf8").trim());
  } catch {
    ptraceScope = null;
  }
  cachedFacts = { euid, hidepid, ptraceScope };
  return cachedFacts;
}

function capabilityMask(statusText: string, key: string): bigint | null {
  const match = new RegExp(`\\n${key}:\\t([0-9a-f]+)`).exec(statusText);
  return match ? BigInt(`0x${match[1]}`) : null;
}

/** Capabilities the target has permitted that our effective set lacks (ptrace's cap_issubset check). */
function capabilitiesWeLack(dir: ProcessDir): string[] {
  try {
    const ours = capabilityMask(fs.readFileSync("/proc/self/status", "utf8"), "CapEff");
    const theirs = capabilityMask(dir.readText("status"), "CapPrm");
    if (ours === null || theirs === null) return [];
    return capabilityNames(theirs & ~ours);
  } catch {
    return [];
  }
}

function statusUid(dir: ProcessDir): number | null {
  try {
    const match = /\nUid:\t\d+\t(\d+)/.exec(dir.readText("status"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** A short, actionable reason for an EACCES/EPERM on a file of process `pid`. */
export function explainDenied(procFs: ProcFs, pid: number | undefined, dir: ProcessDir | undefined, code: string | undefined): string {
  const facts = callerFacts(procFs);
  const file = code === "EPERM" ? "operation not permitted" : "permission denied";
  if (pid !== undefined && dir === undefined && facts.euid !== 0 && hidepidActive(facts)) {
    return `/proc is mounted with hidepid=${facts.hidepid}: only the owner and root can read it`;
  }
  if (pid === undefined || dir === undefined) {
    return facts.euid === 0 ? `${file} even for root` : `${file}; not root`;
  }
  let owner: number | null = null;
  try {
    owner = dir.ownerUid();
  } catch {
    owner = null;
  }
  const realUid = statusUid(dir);
  if (facts.euid === 0) {
    if (facts.ptraceScope === 3) return "not even root may read it: kernel.yama.ptrace_scope=3 forbids all ptrace access";
    const missing = capabilitiesWeLack(dir);
    if (missing.length > 0) {
      return `not even root may read it: the process holds capabilities this session lacks (${missing.join(", ")}), so the kernel refuses ptrace-mode access`;
    }
    return "not even root may read it: a security module (SELinux, AppArmor, lockdown) or a kernel restriction";
  }
  if (facts.hidepid && facts.hidepid !== "0" && facts.hidepid !== "off" && owner !== facts.euid) {
    return `/proc is mounted with hidepid=${facts.hidepid}: only the owner and root can read it`;
  }
  if (realUid !== null && realUid !== facts.euid) {
    return `another user's process (uid ${realUid}); not root`;
  }
  if (owner === 0 && realUid === facts.euid) {
    return "the process made itself non-dumpable (prctl PR_SET_DUMPABLE 0 or a setuid exec); only root can read it";
  }
  if (facts.ptraceScope !== null && facts.ptraceScope >= 1) {
    return `ptrace restrictions: kernel.yama.ptrace_scope=${facts.ptraceScope} (only a parent tracer or root may read it)`;
  }
  return `not root (uid ${facts.euid})`;
}

function hidepidActive(facts: CallerFacts): boolean {
  return facts.hidepid !== null && facts.hidepid !== "0" && facts.hidepid !== "off";
}

/**
 * For a PID whose /proc directory is absent: why, when the process exists but hidepid hides it
 * from us; null when it really does not exist. Probes with signal 0, which sends nothing.
 */
export function hiddenProcessReason(procFs: ProcFs, pid: number): string | null {
  if (!procFs.isLive) return null;
  const facts = callerFacts(procFs);
  if (facts.euid === 0 || !hidepidActive(facts)) return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (errnoCode(error) !== "EPERM") return null;
  }
  return `/proc is mounted with hidepid=${facts.hidepid}: process ${pid} exists but belongs to another user, so /proc hides it`;
}

/** For a listing: a sentence saying other users' processes are left out of /proc, or null. */
export function hiddenListingNotice(procFs: ProcFs): string | null {
  if (!procFs.isLive) return null;
  const facts = callerFacts(procFs);
  if (facts.euid === 0 || !hidepidActive(facts)) return null;
  if (facts.hidepid === "1" || facts.hidepid === "noaccess") return null;
  return `/proc is mounted with hidepid=${facts.hidepid}: other users' processes are not listed`;
}

/** For checks that compare views of all processes: why this user cannot see them all (any hidepid), or null. */
export function hidepidLimitsView(procFs: ProcFs): string | null {
  if (!procFs.isLive) return null;
  const facts = callerFacts(procFs);
  if (facts.euid === 0 || !hidepidActive(facts)) return null;
  return `/proc is mounted with hidepid=${facts.hidepid}: other users' processes cannot be read`;
}

/** Forgets cached caller facts (tests that change credentials). */
export function resetDeniedCache(): void {
  cachedFacts = undefined;
}
