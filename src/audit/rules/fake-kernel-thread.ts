/**
 * fake-kernel-thread: a process named like a kernel thread (`[kworker/0:1]`, `kthreadd`,
 * `ksoftirqd/0`…) that is not one. Kernel threads have the PF_KTHREAD flag, no user memory and no
 * executable; a user process calling prctl(PR_SET_NAME) and overwriting its argv to hide among
 * them in `ps` has all three (cryptominers and backdoors do this).
 *
 * Known false positives: none known for the name-and-flag test; a program legitimately named
 * like a kernel thread would be a poor choice.
 */
import type { Finding } from "../../model/finding.js";
import { finding, type ProcessFacts, type Rule } from "../facts.js";

/** Names of kernel threads as comm shows them (without brackets). */
const KERNEL_THREAD_NAME =
  /^(?:kworker|kthreadd|ksoftirqd|kswapd\d*|migration|rcu_\w+|rcub|rcuc|rcuog|rcuop|watchdog|watchdogd|cpuhp|idle_inject|khugepaged|kcompactd\d*|kdevtmpfs|kauditd|khungtaskd|oom_reaper|writeback|kblockd|kintegrityd|ksmd|kthrotld|irq|jbd2|ext4-rsv-conversion|xfs\w*|scsi_eh_\d+|scsi_tmf_\d+|kaluad|kmpath_\w+|ipv6_addrconf|kstrp|zswap\w*|mm_percpu_wq|netns|inet_frag_wq|edac-poller|devfreq_wq|ata_sff|md|blkcg_punt_bio|tpm_dev_wq|charger_manager|kpsmoused|card\d+-crtc\d+|psimon|slub_flushwq|pool_workqueue_release|kvfree_rcu_reclaim)(?:[/:\-_.][\w:/\-+.]*)?$/;

export function looksLikeKernelThread(comm: string, cmdline: readonly string[] | null): boolean {
  const first = cmdline?.find((a) => a !== "") ?? "";
  if (/^\[.*\]$/.test(first.trim())) return true;
  return KERNEL_THREAD_NAME.test(comm);
}

export function fakeKernelThread(facts: ProcessFacts): Finding[] {
  const p = facts.process;
  if (p.kernelThread || p.state === "Z" || p.state === "X") return [];
  if (!looksLikeKernelThread(p.comm, p.cmdline)) return [];
  const shownAs = (p.cmdline ?? []).filter((a) => a !== "").join(" ");
  return [
    finding(
      p,
      "fake-kernel-thread",
      "high",
      `named "${shownAs || p.comm}" like a kernel thread, but it is a user process${p.exe === null ? "" : ` running "${p.exe}"`}`,
      { comm: p.comm, cmdline: shownAs, exe: p.exe, vszBytes: p.vszBytes, rssBytes: p.rssBytes, pfKthread: false },
      "Real kernel threads have no executable and no user memory. Copy /proc/PID/exe out and look at its parent and network use.",
    ),
  ];
}

export const fakeKernelThreadRule: Rule = {
  id: "fake-kernel-thread",
  description: "a user process named like a kernel thread ([kworker/…], kthreadd…)",
  process: fakeKernelThread,
};
