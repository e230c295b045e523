/**
 * What `--root` may name: the kernel's /proc, a /proc tree (a test fixture, a capture's proc/
 * directory), a capture directory (with manifest.json and proc/), or a capture tarball (.tar.gz),
 * which is extracted safely into a temporary directory removed when the process exits (or is
 * terminated: capture/temporary.ts).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { InvalidArgument } from "../errors.js";
import { extractTarGz } from "./tar.js";
import { releaseTemporary, trackTemporary } from "./temporary.js";

const MANIFEST_FILE = "manifest.json";
const PROC_LIKE = /^(\d+|sys|stat|meminfo|loadavg|uptime|net|self|kallsyms|mounts|version|cpuinfo)$/;

/** InvalidArgument about a root that cannot be read as one; `option: "root"` lets a face say what it takes. */
const notARoot = (message: string, cause?: unknown): InvalidArgument =>
  new InvalidArgument(message, { option: "root", ...(cause === undefined ? {} : { cause }) });

/**
 * The directory to open as the proc root for `root`. Throws InvalidArgument (option "root") for a
 * path that does not exist, a file that is not a capture tarball, a directory that is neither a
 * capture nor a /proc tree (an empty one included), and a damaged tarball. A directory that cannot
 * be listed is returned as it is (reading it reports the permission error).
 * resolveProcRoot("incident.tar.gz") → "/tmp/procscope-root-XXXX/proc"
 */
export function resolveProcRoot(root: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw notARoot(`"${root}" does not exist`, error);
    return root;
  }
  if (stat.isFile()) return extractCapture(root);
  if (!stat.isDirectory()) throw notARoot(`"${root}" is neither a directory nor a file`);
  if (fs.existsSync(path.join(root, MANIFEST_FILE)) && fs.existsSync(path.join(root, "proc"))) return path.join(root, "proc");
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return root;
  }
  if (names.length === 0) throw notARoot(`"${root}" is an empty directory`);
  if (!names.some((n) => PROC_LIKE.test(n)))
    throw notARoot(`"${root}" is neither a capture (no ${MANIFEST_FILE}) nor a /proc tree (no PID directories)`);
  return root;
}

function extractCapture(file: string): string {
  if (!/\.(tar\.gz|tgz)$/.test(file)) throw notARoot(`"${file}" is a file, not a capture tarball (.tar.gz)`);
  const target = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-root-"));
  trackTemporary(target);
  try {
    extractTarGz(file, target);
  } catch (error) {
    releaseTemporary(target, { remove: true });
    throw error;
  }
  if (!fs.existsSync(path.join(target, MANIFEST_FILE)) || !fs.existsSync(path.join(target, "proc")))
    throw notARoot(`"${file}" is a tar archive but not a procscope capture (no ${MANIFEST_FILE})`);
  return path.join(target, "proc");
}
