// Which /proc and /etc files a capture holds: one list for `procscope capture` (src/capture/capture.ts)
// and for scripts/capture-fixture.mjs, which imports this file as it is (plain ES module data, no
// build). Paths are relative to the proc root, or to /etc for ETC_FILES.

/**
 * System-wide files: every file `sys NAME` parses (test/capture/files.test.ts checks), the
 * socket tables, and a few more that `--root` readers use.
 * @type {readonly string[]}
 */
export const SYSTEM_FILES = Object.freeze([
  "meminfo",
  "cpuinfo",
  "loadavg",
  "uptime",
  "stat",
  "vmstat",
  "zoneinfo",
  "devices",
  "dma",
  "version",
  "filesystems",
  "partitions",
  "diskstats",
  "mounts",
  "swaps",
  "net/tcp",
  "net/tcp6",
  "net/udp",
  "net/udp6",
  "net/raw",
  "net/raw6",
  "net/unix",
  "net/packet",
  "cgroups",
  "modules",
  "interrupts",
  "softirqs",
  "sys/kernel/pid_max",
  "sys/kernel/hostname",
  "sys/kernel/osrelease",
  "sys/vm/swappiness",
  "self/mountinfo",
]);

/**
 * Per-process files (stat first: a capture reads it before and after the others to tell a reused PID).
 * @type {readonly string[]}
 */
export const PID_FILES = Object.freeze([
  "stat",
  "status",
  "statm",
  "cmdline",
  "comm",
  "environ",
  "maps",
  "smaps_rollup",
  "limits",
  "io",
  "cgroup",
  "mountinfo",
  "oom_score",
  "oom_score_adj",
  "loginuid",
  "personality",
  "wchan",
  "sched",
  "schedstat",
  "auxv",
  "syscall",
  "stack",
]);

/** Per-process links, kept as links holding their target's text. @type {readonly string[]} */
export const PID_LINKS = Object.freeze(["exe", "cwd", "root"]);

/** Per-thread files, under PID/task/TID/. @type {readonly string[]} */
export const TASK_FILES = Object.freeze(["stat", "status", "comm", "wchan", "syscall", "stack"]);

/** Files of /etc that name users and groups and tell the system. @type {readonly string[]} */
export const ETC_FILES = Object.freeze(["passwd", "group", "ld.so.preload", "hostname", "os-release"]);
