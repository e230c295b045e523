/**
 * hidden-process: a process that exists but that the /proc listing does not show, or whose
 * /proc/PID has something mounted over it (so `ps` reads another directory, or nothing).
 * User-space rootkits hook readdir (libprocesshider), kernel rootkits filter getdents, and the
 * plainest trick needs no rootkit: `mount --bind /some/dir /proc/PID`.
 *
 * Views compared with the readdir of /proc (the "listing"):
 * - mountinfo: any mount whose mount point is /proc/PID or below it (unhide has no such check).
 * - signal 0: kill(pid, 0) for every PID from 1 to a bound (the largest of the listed PIDs and the
 *   last PID the kernel handed out, plus a margin, at most pid_max): what `unhide sys`'s
 *   "checkkill" does. A PID that answers but is not listed is checked again: a thread (its Tgid is
 *   listed) or a process born during the scan is not hidden.
 * - /proc's link count: the kernel counts processes into nlink of the proc root; more than the
 *   listing shows means entries are filtered out of readdir (not in unhide).
 * - the task count of /proc/loadavg against the threads of the listed processes (not in unhide).
 * - the members of every cgroup's cgroup.procs against the listing (not in unhide).
 * Brute-force PID-space scans by forking (`unhide brute`) are not done.
 *
 * Known false positives: inside a container (another PID namespace) nlink and loadavg count the
 * whole machine: those views, and the cgroup view, run only in the initial PID namespace; process churn is smoothed by taking three rounds, counting a
 * round only when no process was created during it (loadavg's last PID), and reporting only gaps
 * seen in all of them: under a fork storm the count views say nothing rather than cry wolf. Signal 0 and the cgroup view run on the live system only.
 */
import { hidepidLimitsView } from "../../access/denied.js";
import { answersSignal0, cgroupMembers, pidsAnsweringSignal0, procRootCounts } from "../../access/probes.js";
import { ProcError } from "../../errors.js";
import type { Finding } from "../../model/finding.js";
import { describeProblems, problemsOf } from "../../procfs/_lines.js";
import { parseLoadavg } from "../../procfs/loadavg.js";
import { parsePidMountinfo } from "../../procfs/pid/mountinfo.js";
import { parsePidStat } from "../../procfs/pid/stat.js";
import { parsePidStatus } from "../../procfs/pid/status.js";
import type { AuditEnv, Rule } from "../facts.js";

const ROUNDS = 3;
const KILL_MARGIN = 4096;

function systemFinding(summary: string, evidence: Record<string, unknown>, hint: string, pid: number | null = null): Finding {
  return { rule: "hidden-process", severity: "critical", pid, startTimeTicks: null, comm: null, exe: null, summary, evidence, hint };
}

/** What /proc still tells about a PID the listing lacks (a lookup by name may work where readdir hides it). */
function describe(env: AuditEnv, pid: number): { comm: string | null; tgid: number | null; startTimeTicks: number | null } {
  let comm: string | null = null;
  let tgid: number | null = null;
  let startTimeTicks: number | null = null;
  try {
    const stat = env.procFs.parse(`${pid}/stat`, parsePidStat);
    comm = stat.comm;
    startTimeTicks = stat.startTimeTicks;
  } catch (error) {
    if (!(error instanceof ProcError)) throw error;
  }
  try {
    tgid = env.procFs.parse(`${pid}/status`, parsePidStatus).tgid;
  } catch (error) {
    if (!(error instanceof ProcError)) throw error;
  }
  return { comm, tgid, startTimeTicks };
}

/** The thread group (process) a PID belongs to, from status (cheap for a thread); null if unreadable. */
function tgidOf(env: AuditEnv, pid: number): number | null {
  try {
    return env.procFs.parse(`${pid}/status`, parsePidStatus).tgid;
  } catch (error) {
    if (!(error instanceof ProcError)) throw error;
    return null;
  }
}

/** Mounts over /proc/PID (or inside it), from our own mountinfo. */
export function mountedOverProc(env: AuditEnv, pids: readonly number[] | null): Finding[] {
  let text: string;
  try {
    text = env.procFs.readText("self/mountinfo");
  } catch (error) {
    if (error instanceof ProcError) return [];
    throw error;
  }
  const root = env.procFs.isLive ? env.procFs.root : "/proc";
  const findings: Finding[] = [];
  const mounts = parsePidMountinfo(text);
  // A line that did not parse may be the mount that hides a process: say it was not looked at.
  const skipped = problemsOf(mounts);
  if (skipped.length > 0) env.notChecked(`hidden-process: ${describeProblems("self/mountinfo", skipped)}`);
  for (const mount of mounts) {
    const m = new RegExp(`^${root.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/(\\d+)(/.*)?$`).exec(mount.mountPoint);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pids !== null && !pids.includes(pid)) continue;
    findings.push(
      systemFinding(
        `something is mounted over ${mount.mountPoint}: process ${pid} is hidden from ps and from readers of /proc`,
        {
          view: "mountinfo",
          hiddenPid: pid,
          mountPoint: mount.mountPoint,
          mountId: mount.mountId,
          fsType: mount.fsType,
          source: mount.source,
          mountedRoot: mount.root,
          answersSignal0: env.procFs.isLive ? answersSignal0(pid) : null,
        },
        `Look at the process from another mount namespace (nsenter -t 1 -m) or unmount it (umount ${mount.mountPoint}) and audit it again.`,
        pid,
      ),
    );
  }
  return findings;
}

/** PIDs answering signal 0 that the listing lacks and that are not threads of listed processes. */
export function signal0View(env: AuditEnv): Finding[] {
  if (!env.procFs.isLive) return [];
  const listed = new Set(env.procFs.listPids());
  let pidMax = 4194304;
  let lastPid = 0;
  try {
    pidMax = Number(env.procFs.readText("sys/kernel/pid_max").trim()) || pidMax;
    lastPid = env.procFs.parse("loadavg", parseLoadavg).lastPid;
  } catch (error) {
    if (!(error instanceof ProcError)) throw error;
  }
  let maxListed = 0;
  for (const pid of listed) if (pid > maxListed) maxListed = pid;
  const bound = Math.min(pidMax - 1, Math.max(maxListed, lastPid) + KILL_MARGIN);
  const candidates = pidsAnsweringSignal0(1, bound, listed);
  if (candidates.length === 0) return [];
  // Check again: threads answer kill() too, and processes are born while we scan.
  const relisted = new Set(env.procFs.listPids());
  const findings: Finding[] = [];
  for (const pid of candidates) {
    if (relisted.has(pid) || !answersSignal0(pid)) continue;
    // A thread of a listed process is not hidden: tell from status alone. Its stat would cost as
    // much as its process has threads (the kernel sums them all for /proc/TID/stat), so one
    // process with 10,000 threads made this view read 10,000 x 10,000 threads (70 s).
    const threadOf = tgidOf(env, pid);
    if (threadOf !== null && threadOf !== pid && (relisted.has(threadOf) || listed.has(threadOf))) continue;
    const { comm, tgid, startTimeTicks } = describe(env, pid);
    if (tgid !== null && tgid !== pid && (relisted.has(tgid) || listed.has(tgid))) continue; // a thread
    findings.push({
      ...systemFinding(
        `process ${pid}${comm === null ? "" : ` (${comm})`} exists (it answers signal 0) but is not in the /proc listing`,
        { view: "signal0", hiddenPid: pid, tgid, statReadable: comm !== null, scannedUpTo: bound },
        "Something filters /proc's directory listing (a hooked readdir or a kernel rootkit). Compare with `unhide sys` and look for preloaded libraries.",
        pid,
      ),
      comm,
      startTimeTicks,
    });
  }
  return findings;
}

/** The initial PID namespace's inode (PROC_PID_INIT_INO, include/linux/proc_ns.h). */
const INIT_PID_NAMESPACE = "pid:[4026531836]";

/**
 * True when the /proc we read is the initial PID namespace's and we live in it: the kernel's
 * process and task counts (nlink, loadavg) are machine-wide, so they compare with the listing only
 * there, and cgroup.procs names PIDs as our namespace sees them.
 */
function sameNamespaceCounts(env: AuditEnv): boolean {
  if (!env.procFs.isLive) return false;
  try {
    return (
      env.procFs.readLink("self").toString() === String(process.pid) && env.procFs.readLink("self/ns/pid").toString() === INIT_PID_NAMESPACE
    );
  } catch {
    return false;
  }
}

/** The link count of /proc's root and the task count of loadavg against the listing, in rounds. */
export function countViews(env: AuditEnv): Finding[] {
  if (!sameNamespaceCounts(env)) return [];
  const linkGaps: number[] = [];
  const taskGaps: number[] = [];
  const lastPid = (): number | null => {
    try {
      return env.procFs.parse("loadavg", parseLoadavg).lastPid;
    } catch (error) {
      if (!(error instanceof ProcError)) throw error;
      return null;
    }
  };
  for (let round = 0; round < ROUNDS; round++) {
    // A round in which any process was created proves nothing: an exit can balance a fork and
    // leave the totals equal while the listing saw a different population (a fork storm did).
    const firstPid = lastPid();
    const counts = procRootCounts(env.procFs.root);
    const processesCounted = Math.min(counts.nlinkBefore, counts.nlinkAfter) - 2 - counts.subdirs;
    let linkGap = counts.nlinkBefore === counts.nlinkAfter ? processesCounted - counts.pids.length : 0;
    let taskGap = 0;
    try {
      const before = env.procFs.parse("loadavg", parseLoadavg).totalEntities;
      let threads = 0;
      for (const pid of counts.pids) {
        try {
          threads += env.procFs.parse(`${pid}/stat`, parsePidStat).numThreads;
        } catch (error) {
          if (!(error instanceof ProcError)) throw error;
        }
      }
      const after = env.procFs.parse("loadavg", parseLoadavg).totalEntities;
      if (before === after) taskGap = before - threads;
    } catch (error) {
      if (!(error instanceof ProcError)) throw error;
    }
    if (firstPid === null || firstPid !== lastPid()) linkGap = taskGap = 0;
    linkGaps.push(linkGap);
    taskGaps.push(taskGap);
  }
  const findings: Finding[] = [];
  const linkGap = Math.min(...linkGaps);
  if (linkGap > 0)
    findings.push(
      systemFinding(
        `the kernel counts ${linkGap} more process(es) than the /proc listing shows (link count of ${env.procFs.root})`,
        { view: "proc-nlink", gaps: linkGaps },
        "Entries are filtered out of /proc's directory listing. Run the signal-0 view (it names the PIDs) and unhide.",
      ),
    );
  const taskGap = Math.min(...taskGaps);
  if (taskGap > 0)
    findings.push(
      systemFinding(
        `/proc/loadavg counts ${taskGap} more task(s) than the listed processes' threads`,
        { view: "loadavg", gaps: taskGaps },
        "Tasks exist that /proc does not list. Run the signal-0 view (it names the PIDs) and unhide.",
      ),
    );
  return findings;
}

/** Members of cgroups that the listing lacks. */
export function cgroupView(env: AuditEnv): Finding[] {
  if (!sameNamespaceCounts(env)) return [];
  const members = cgroupMembers();
  const listed = new Set(env.procFs.listPids());
  const missing = [...members.keys()].filter((pid) => !listed.has(pid));
  if (missing.length === 0) return [];
  const relisted = new Set(env.procFs.listPids());
  const findings: Finding[] = [];
  for (const pid of missing) {
    if (relisted.has(pid) || !answersSignal0(pid)) continue; // exited or born meanwhile
    const { comm, startTimeTicks } = describe(env, pid);
    findings.push({
      ...systemFinding(
        `process ${pid}${comm === null ? "" : ` (${comm})`} is a member of cgroup ${members.get(pid)} but is not in the /proc listing`,
        { view: "cgroup", hiddenPid: pid, cgroup: members.get(pid) },
        "Something filters /proc's directory listing. Compare with `unhide sys`.",
        pid,
      ),
      comm,
      startTimeTicks,
    });
  }
  return findings;
}

export function hiddenProcesses(env: AuditEnv, options: { readonly pids: readonly number[] | null }): Finding[] {
  const findings = mountedOverProc(env, options.pids);
  if (options.pids !== null) return findings;
  // Under hidepid /proc hides or closes every other user's process by design: the cross-views would
  // call each of them hidden. Say the views were not run instead.
  const hidden = hidepidLimitsView(env.procFs);
  if (hidden !== null) {
    findings.push({
      ...systemFinding(
        "the cross-views (signal 0, cgroups, counts) were not run: /proc hides other users' processes from this user",
        { view: "hidepid", notice: hidden },
        "Run audit as root to compare the listing with signal 0, cgroup.procs and the kernel's counts.",
      ),
      severity: "info",
    });
    return findings;
  }
  const named = new Set(findings.map((f) => f.pid));
  for (const f of [...signal0View(env), ...cgroupView(env)]) {
    if (named.has(f.pid)) continue;
    named.add(f.pid);
    findings.push(f);
  }
  findings.push(...countViews(env));
  return findings;
}

export const hiddenProcessRule: Rule = {
  id: "hidden-process",
  description: "a process missing from the /proc listing (signal 0, cgroups, link and task counts) or with a mount over /proc/PID",
  system: hiddenProcesses,
};
