/**
 * `capture`: a snapshot of /proc's text files that `--root` reads back, for a responder to take
 * away. Per process: stat, status, statm, cmdline, environ (redacted unless asked otherwise), maps,
 * smaps_rollup, limits, io, cgroup, mountinfo, … ; fd, ns, exe, cwd and root links as symlinks
 * holding the link text; fdinfo; per-thread stat, status and comm. System files: the `sys` set, the
 * net tables of every network namespace (proc/netns/INODE, with PID/net and net symlinks to them), a few tunables, kallsyms only when asked. Never mem, never pagemap.
 *
 * Each process is read through one open directory: if it exits while being copied, its partial
 * copy is removed and it is listed in the manifest, so a capture never mixes two processes
 * under one PID.
 */

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CAPTURE_RECORD_FILE, type CaptureRecord } from "../access/captured.js";
import type { ProcessDir, ProcFs } from "../access/proc-fs.js";
import { readSystemInfo, SYSTEM_INFO_FILE } from "../access/system-info.js";
import { redactEnvironBytes } from "../audit/secrets.js";
import { AccessDenied, Conflict, InvalidArgument, ProcError, ProcessGone, Unavailable } from "../errors.js";
import type { CaptureManifest } from "../model/capture.js";
import { parsePidStatIdentity } from "../procfs/pid/stat.js";
import { ETC_FILES, PID_FILES, PID_LINKS, SYSTEM_FILES, TASK_FILES } from "./files.js";

import { packDirectory } from "./tar.js";
import { releaseTemporary, trackTemporary } from "./temporary.js";

/** The socket tables of a network namespace: tcp, tcp6, udp, … (the net/ entries of SYSTEM_FILES). */
const NET_FILES = SYSTEM_FILES.filter((name) => name.startsWith("net/")).map((name) => name.slice("net/".length));

export const MANIFEST_FILE = "manifest.json";
export const CAPTURE_FORMAT = "procscope-capture/1";

export interface CaptureOptions {
  /** Keep environ values as they are (default: credential-like values redacted). */
  readonly withSecrets?: boolean;
  readonly withKallsyms?: boolean;
  /** procscope's version, written into the manifest. */
  readonly version: string;
  /** Not captured (our own process). */
  readonly excludePids?: readonly number[];
  /** Stops the capture between two processes; nothing is left at the output path. */
  readonly signal?: AbortSignal;
  /**
   * Told of each process left out because it could not be read (hidepid, another user's), so the
   * caller can say how many (SkippedTally); the manifest counts them under "process: …".
   */
  readonly onSkipped?: (pid: number, error: ProcError) => void;
}

const DELETED_SUFFIX = " (deleted)";

/** Processes copied between two turns of the event loop, so a signal's handler can run. */
const PROCESSES_PER_TURN = 16;

export type { CaptureManifest } from "../model/capture.js";

interface Writer {
  bytes: number;
  skipped: Record<string, number>;
  /** proc/netns: one directory of net tables per network namespace, named by its inode. */
  readonly netnsOut: string;
  /** Namespaces (inode text) whose tables are written. */
  readonly netns: Set<string>;
  /** The process being copied: paths under its directory the kernel refused, by reason (access/captured.ts). */
  denied: Map<string, Set<string>>;
  /** The process being copied: for a deleted executable, whether a file has its name in the process's root. */
  exeReplacedByNewFile: boolean | undefined;
}

function note(writer: Writer, what: string, error: unknown): void {
  if (!(error instanceof ProcError)) throw error;
  const reason = error.kind === "AccessDenied" ? "permission denied" : error.kind === "Unavailable" ? "unavailable" : error.kind;
  const key = `${what}: ${reason}`;
  writer.skipped[key] = (writer.skipped[key] ?? 0) + 1;
}

/**
 * A file of the process being copied that could not be read: counted in the manifest (numbers
 * in its path made N), and a refusal kept with its reason for the process's record.
 */
function noteProcessFile(writer: Writer, name: string, error: unknown): void {
  note(writer, name.replace(/\/\d+(?=\/|$)/g, "/N"), error);
  if (!(error instanceof AccessDenied)) return;
  const paths = writer.denied.get(error.reason);
  if (paths === undefined) writer.denied.set(error.reason, new Set([name]));
  else paths.add(name);
}

function writeRecord(writer: Writer, out: string): void {
  const record: CaptureRecord = {
    ...(writer.denied.size === 0 ? {} : { denied: Object.fromEntries([...writer.denied].map(([reason, paths]) => [reason, [...paths]])) }),
    ...(writer.exeReplacedByNewFile === undefined ? {} : { exeReplacedByNewFile: writer.exeReplacedByNewFile }),
  };
  if (Object.keys(record).length === 0) return;
  writeFile(writer, path.join(out, CAPTURE_RECORD_FILE), Buffer.from(`${JSON.stringify(record)}\n`));
}

/**
 * For a deleted executable (not a memfd): whether a file with its name exists in the process's own
 * root now, as the deleted-exe rule asks of the live /proc; undefined otherwise. A refused look
 * counts as no file, as it does live.
 */
function exeReplacedByNewFile(dir: ProcessDir): boolean | undefined {
  let exe: string;
  try {
    exe = dir.readLink("exe").toString("latin1");
  } catch (error) {
    if (error instanceof ProcessGone) throw error;
    return undefined;
  }
  if (!exe.endsWith(DELETED_SUFFIX) || exe.startsWith("/memfd:")) return undefined;
  try {
    dir.statFile(`root${exe.slice(0, -DELETED_SUFFIX.length)}`);
    return true;
  } catch (error) {
    if (error instanceof ProcessGone) throw error;
    return false;
  }
}

function writeFile(writer: Writer, file: string, data: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  writer.bytes += data.length;
}

function writeLink(file: string, target: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.symlinkSync(target, file);
}

/** Copies one process; throws ProcessGone if it exits meanwhile. Returns its thread count. */
function captureProcess(procFs: ProcFs, pid: number, out: string, writer: Writer, withSecrets: boolean): number {
  const dir = procFs.openProcess(pid);
  writer.denied = new Map();
  writer.exeReplacedByNewFile = undefined;
  try {
    const stat = dir.readBytes("stat");
    const identity = parsePidStatIdentity(stat.toString("latin1"));
    writeFile(writer, path.join(out, "stat"), stat);
    copyFiles(dir, PID_FILES.slice(1), out, writer, withSecrets);
    for (const name of PID_LINKS) copyLink(dir, name, out, writer);
    writer.exeReplacedByNewFile = exeReplacedByNewFile(dir);
    for (const sub of ["ns", "fd"]) {
      let names: string[];
      try {
        names = dir.listDir(sub);
      } catch (error) {
        if (error instanceof ProcessGone) throw error;
        noteProcessFile(writer, sub, error);
        continue;
      }
      fs.mkdirSync(path.join(out, sub), { recursive: true });
      for (const name of names) copyLink(dir, `${sub}/${name}`, out, writer);
      if (sub === "fd") for (const name of names) copyFile(dir, `fdinfo/${name}`, out, writer, false);
    }
    captureNetNamespace(dir, out, writer);
    let threads = 0;
    try {
      for (const tid of dir.listDir("task")) {
        threads++;
        for (const name of TASK_FILES) copyFile(dir, `task/${tid}/${name}`, out, writer, false);
      }
    } catch (error) {
      if (error instanceof ProcessGone) throw error;
      noteProcessFile(writer, "task", error);
    }
    // Still the same process at the end? (A reused PID would answer ESRCH through the open directory.)
    const after = parsePidStatIdentity(dir.readText("stat"));
    if (after.startTimeTicks !== identity.startTimeTicks) throw new ProcessGone(pid, { reused: true });
    writeRecord(writer, out);
    return threads;
  } finally {
    dir.close();
  }
}

/**
 * The socket tables of the process's network namespace, read through its own `net/` the first
 * time the namespace is met and written to proc/netns/INODE/; the process's `net` becomes a
 * symlink to that directory, so readers of `PID/net/tcp` (net --pid, the reverse-shell rule,
 * peers) find its namespace's tables as they did live. A process whose ns/net link is unreadable
 * gets no `net` (readers fall back to the capturer's tables, as they would live).
 */
function captureNetNamespace(dir: ProcessDir, out: string, writer: Writer): void {
  let inode: string | undefined;
  try {
    inode = /^net:\[(\d+)\]$/.exec(dir.readLink("ns/net").toString("latin1"))?.[1];
  } catch (error) {
    if (error instanceof ProcessGone) throw error;
    note(writer, "ns/net", error);
    return;
  }
  if (inode === undefined) return;
  if (!writer.netns.has(inode)) {
    const nsOut = path.join(writer.netnsOut, inode);
    try {
      copyNetTables((name) => dir.readBytes(`net/${name}`), nsOut, writer);
    } catch (error) {
      fs.rmSync(nsOut, { recursive: true, force: true });
      throw error;
    }
    writer.netns.add(inode);
  }
  fs.symlinkSync(`../netns/${inode}`, path.join(out, "net"));
}

/** Writes the net tables `read` gives into `nsOut`; a protocol the kernel lacks is noted, not fatal. */
function copyNetTables(read: (name: string) => Buffer, nsOut: string, writer: Writer): void {
  fs.mkdirSync(nsOut, { recursive: true });
  for (const name of NET_FILES) {
    let data: Buffer;
    try {
      data = read(name);
    } catch (error) {
      if (error instanceof ProcessGone) throw error;
      note(writer, `net/${name}`, error);
      continue;
    }
    writeFile(writer, path.join(nsOut, name), data);
  }
}

function copyFiles(dir: ProcessDir, names: readonly string[], out: string, writer: Writer, withSecrets: boolean): void {
  for (const name of names) copyFile(dir, name, out, writer, name === "environ" && !withSecrets);
}

function copyFile(dir: ProcessDir, name: string, out: string, writer: Writer, redact: boolean): void {
  let data: Buffer;
  try {
    data = dir.readBytes(name);
  } catch (error) {
    if (error instanceof ProcessGone) throw error;
    noteProcessFile(writer, name, error);
    return;
  }
  writeFile(writer, path.join(out, name), redact ? redactEnvironBytes(data) : data);
}

function copyLink(dir: ProcessDir, name: string, out: string, writer: Writer): void {
  let target: Buffer;
  try {
    target = dir.readLink(name);
  } catch (error) {
    if (error instanceof ProcessGone) throw error;
    noteProcessFile(writer, name, error);
    return;
  }
  writeLink(path.join(out, name), target);
}

/**
 * Captures the live system behind `procFs` into `output`: a directory, or a `.tar.gz` file. Refuses
 * an existing path (Conflict). Returns the manifest, also written as manifest.json. Until it is
 * done, what it writes is temporary (capture/temporary.ts): removed if it fails, is aborted, or the
 * process is terminated.
 * await capture(openProcFs(), "/tmp/incident-42", { version: "0.1.0" })
 */
export async function capture(procFs: ProcFs, output: string, options: CaptureOptions): Promise<CaptureManifest> {
  if (fs.existsSync(output) || isDanglingLink(output))
    throw new Conflict(`"${output}" exists: choose a new path (a capture never overwrites)`);
  const parent = path.dirname(path.resolve(output));
  if (!fs.statSync(parent, { throwIfNoEntry: false })?.isDirectory())
    throw new InvalidArgument(`cannot capture to "${output}": "${parent}" is not a directory (a capture makes only its own path)`);
  const tarball = /\.(tar\.gz|tgz)$/.test(output);
  let root: string;
  if (tarball) {
    root = fs.mkdtempSync(path.join(path.dirname(path.resolve(output)), ".procscope-capture-"));
  } else {
    fs.mkdirSync(output);
    root = output;
  }
  trackTemporary(root);
  let done = false;
  try {
    const manifest = await captureInto(procFs, root, output, options);
    if (tarball) packDirectory(root, output);
    done = true;
    return manifest;
  } finally {
    releaseTemporary(root, { remove: tarball || !done });
  }
}

function isDanglingLink(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * proc/net: the capturing process's namespace, what `net` without a PID reads. Stored like any
 * other namespace (proc/net a symlink to netns/INODE) so its tables are written once.
 */
function captureOwnNetNamespace(procFs: ProcFs, procOut: string, writer: Writer): void {
  let inode: string | undefined;
  try {
    inode = /^net:\[(\d+)\]$/.exec(procFs.readLink("self/ns/net").toString("latin1"))?.[1];
  } catch (error) {
    note(writer, "self/ns/net", error);
  }
  if (inode === undefined) {
    copyNetTables((name) => procFs.readBytes(`net/${name}`), path.join(procOut, "net"), writer);
    return;
  }
  copyNetTables((name) => procFs.readBytes(`net/${name}`), path.join(writer.netnsOut, inode), writer);
  writer.netns.add(inode);
  fs.symlinkSync(`netns/${inode}`, path.join(procOut, "net"));
}

async function captureInto(procFs: ProcFs, root: string, output: string, options: CaptureOptions): Promise<CaptureManifest> {
  const startedAt = new Date().toISOString();
  const procOut = path.join(root, "proc");
  const writer: Writer = {
    bytes: 0,
    skipped: {},
    netnsOut: path.join(procOut, "netns"),
    netns: new Set(),
    denied: new Map(),
    exeReplacedByNewFile: undefined,
  };
  fs.mkdirSync(procOut);
  captureOwnNetNamespace(procFs, procOut, writer);
  // The socket tables are captured per network namespace (captureOwnNetNamespace, captureNetNamespace).
  const systemFiles = SYSTEM_FILES.filter((name) => !name.startsWith("net/"));
  if (options.withKallsyms) systemFiles.push("kallsyms");
  for (const name of systemFiles) {
    try {
      writeFile(writer, path.join(procOut, name), procFs.readBytes(name));
    } catch (error) {
      note(writer, name, error);
    }
  }
  const exclude = new Set(options.excludePids ?? []);
  const exited: number[] = [];
  let processes = 0;
  let threads = 0;
  let sinceTurn = 0;
  for (const pid of procFs.listPids()) {
    if (exclude.has(pid)) continue;
    if (++sinceTurn === PROCESSES_PER_TURN) {
      sinceTurn = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (options.signal?.aborted) throw new Unavailable(`capture interrupted: nothing was written to "${output}"`);
    const out = path.join(procOut, String(pid));
    try {
      threads += captureProcess(procFs, pid, out, writer, options.withSecrets === true);
      processes++;
    } catch (error) {
      fs.rmSync(out, { recursive: true, force: true });
      if (error instanceof ProcessGone) exited.push(pid);
      else {
        note(writer, "process", error);
        options.onSkipped?.(pid, error as ProcError);
      }
    }
  }
  const etcOut = path.join(root, "etc");
  for (const name of ETC_FILES) {
    const text = procFs.readEtc(name);
    if (text !== null) writeFile(writer, path.join(etcOut, name), Buffer.from(text));
  }
  const system = readSystemInfo(procFs);
  fs.writeFileSync(
    path.join(root, SYSTEM_INFO_FILE),
    `${JSON.stringify({ clockTicks: system.clockTicks, pageSize: system.pageSize, capturedFrom: `${os.hostname()} ${os.release()} ${os.arch()}` }, null, 2)}\n`,
  );
  const manifest: CaptureManifest = {
    format: CAPTURE_FORMAT,
    host: os.hostname(),
    kernel: os.release(),
    arch: os.arch(),
    startedAt,
    finishedAt: new Date().toISOString(),
    procscopeVersion: options.version,
    environRedacted: options.withSecrets !== true,
    kallsyms: options.withKallsyms === true,
    processes,
    threads,
    exited,
    skipped: writer.skipped,
    bytes: writer.bytes,
  };
  fs.writeFileSync(path.join(root, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
