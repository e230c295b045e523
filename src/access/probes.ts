/**
 * Views of the process table that do not come from reading /proc's directory, for the
 * hidden-process audit rule: signal 0 (existence only, never a real signal), the link count of
 * /proc's root, and the members of every cgroup. Live system only.
 */
import fs from "node:fs";
import path from "node:path";

/**
 * True when a PID (or a thread ID) exists in our PID namespace: kill(pid, 0) sends no signal, it
 * only checks. EPERM means it exists but is not ours.
 */
export function answersSignal0(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The PIDs from `from` to `to` (inclusive) that answer signal 0, leaving out `skip`. Node builds an
 * Error for every ESRCH; without stack traces that costs a third as much.
 */
export function pidsAnsweringSignal0(from: number, to: number, skip: ReadonlySet<number>): number[] {
  const found: number[] = [];
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    for (let pid = from; pid <= to; pid++) if (!skip.has(pid) && answersSignal0(pid)) found.push(pid);
  } finally {
    Error.stackTraceLimit = limit;
  }
  return found;
}

/**
 * The link count of the proc root and the number of its real (non-PID, non-symlink)
 * subdirectories. The kernel reports nlink = 2 + registered subdirectories + processes
 * (fs/proc/root.c, proc_root_getattr), so nlink - 2 - subdirs is how many processes exist.
 */
export function procRootCounts(root: string): { nlinkBefore: number; nlinkAfter: number; subdirs: number; pids: number[] } {
  const nlinkBefore = fs.statSync(root).nlink;
  const pids: number[] = [];
  let subdirs = 0;
  // Names only: the kernel gives a process that exits during the readdir the type DT_UNKNOWN, and
  // Node's withFileTypes then lstat()s it and throws ENOENT for the whole listing.
  for (const name of fs.readdirSync(root)) {
    if (/^\d+$/.test(name)) pids.push(Number(name));
    else if (isDirectory(path.join(root, name))) subdirs++;
  }
  const nlinkAfter = fs.statSync(root).nlink;
  return { nlinkBefore, nlinkAfter, subdirs, pids };
}

function isDirectory(file: string): boolean {
  try {
    return fs.lstatSync(file).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Every PID named in a cgroup.procs file under `cgroupRoot` (all hierarchies, v1 and v2), with the
 * first cgroup it was seen in. Unreadable cgroups are skipped. Bounded: at most `maxDirs` cgroups.
 */
export function cgroupMembers(cgroupRoot = "/sys/fs/cgroup", maxDirs = 20000): Map<number, string> {
  const members = new Map<number, string>();
  const stack = [cgroupRoot];
  let seen = 0;
  while (stack.length > 0 && seen < maxDirs) {
    const dir = stack.pop() as string;
    seen++;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) stack.push(path.join(dir, entry.name));
      else if (entry.name === "cgroup.procs") {
        let text: string;
        try {
          text = fs.readFileSync(path.join(dir, entry.name), "latin1");
        } catch {
          continue;
        }
        for (const line of text.split("\n")) {
          if (line === "") continue;
          const pid = Number(line);
          if (pid > 0 && !members.has(pid)) members.set(pid, dir.slice(cgroupRoot.length) || "/");
        }
      }
    }
  }
  return members;
}
