/**
 * "Who holds this file": a matcher by the file's identity (fuser-like), over fds and over the
 * files a process uses otherwise (FileUse: cwd, rtd, txt, mem).
 */
import fs from "node:fs";
import path from "node:path";
import { devString, type FileDescriptor } from "./fds.js";

/**
 * Matches fds that refer to `file`: the same device and inode when the file exists (so hard links
 * and other spellings of the path match too), else the same path (a deleted file's old name).
 * listOpenFiles(context, { filter: pathMatcher("/var/log/syslog") })
 */
export function pathMatcher(file: string): (f: Pick<FileDescriptor, "path" | "device" | "inode">) => boolean {
  const absolute = path.resolve(file);
  let identity: { device: string; inode: number } | null = null;
  try {
    const st = fs.statSync(absolute, { bigint: true });
    identity = { device: devString(st.dev), inode: Number(st.ino) };
  } catch {
    identity = null;
  }
  return (f) => {
    if (f.path === null) return false;
    if (identity && f.device === identity.device && f.inode === identity.inode) return true;
    return f.path === absolute;
  };
}
