#!/usr/bin/env node
// Captures a /proc tree for tests and `--root`: text files only (never mem, pagemap or kcore),
// environ values and home directories scrubbed. It starts a few awkward processes first (a
// zombie, a process named "a) (b", one whose name holds an escape sequence) so the tree has them.
//
// The tree is written as one archive, test/fixtures/proc-<host>-<kernel>.tar.gz (reproducible:
// sorted, fixed mtime and owner), which the test suite unpacks into a temp dir (test/global-setup.ts);
// give a directory instead to get the tree itself, e.g. for `procscope --root DIR/proc`.
//
//   node scripts/capture-fixture.mjs [OUT.tar.gz | OUT_DIR]   (default: test/fixtures/proc-<host>-<kernel>.tar.gz)
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

// The same files `procscope capture` takes: one list, in plain ES module data (no build needed).
import { ETC_FILES, PID_FILES, PID_LINKS, SYSTEM_FILES, TASK_FILES } from "../src/capture/files.js";

const home = os.homedir();

function scrub(text) {
  return home && home !== "/" ? text.split(home).join("/home/user") : text;
}

function copyFile(src, dst, transform) {
  let data;
  try {
    data = fs.readFileSync(src);
  } catch {
    return false; // vanished or unreadable: a capture is a best-effort snapshot
  }
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.writeFileSync(dst, transform ? transform(data) : data);
  return true;
}

function copyLink(src, dst) {
  try {
    const target = fs.readlinkSync(src);
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.symlinkSync(scrub(target), dst);
  } catch {
    // gone, or a kernel thread without the link
  }
}

const scrubEnviron = (data) =>
  Buffer.from(
    data
      .toString("latin1")
      .split("\0")
      .map((entry) => (entry.includes("=") ? `${entry.slice(0, entry.indexOf("="))}=scrubbed` : entry))
      .join("\0"),
    "latin1",
  );

function capturePid(pidDir, outDir) {
  for (const name of PID_FILES) {
    copyFile(
      path.join(pidDir, name),
      path.join(outDir, name),
      name === "environ" ? scrubEnviron : (d) => Buffer.from(scrub(d.toString("latin1")), "latin1"),
    );
  }
  for (const name of PID_LINKS) copyLink(path.join(pidDir, name), path.join(outDir, name));
  try {
    for (const ns of fs.readdirSync(path.join(pidDir, "ns"))) copyLink(path.join(pidDir, "ns", ns), path.join(outDir, "ns", ns));
  } catch {}
  try {
    for (const fd of fs.readdirSync(path.join(pidDir, "fd"))) {
      copyLink(path.join(pidDir, "fd", fd), path.join(outDir, "fd", fd));
      copyFile(path.join(pidDir, "fdinfo", fd), path.join(outDir, "fdinfo", fd));
    }
  } catch {}
}

/** Waits (up to 5 s) until the helpers have renamed themselves and the zombie exists. */
async function waitForChildren(children) {
  const read = (file) => {
    try {
      return fs.readFileSync(file, "latin1");
    } catch {
      return "";
    }
  };
  const ready = () => {
    const [zombieParent, paren, escaped] = children.map((c) => c.pid);
    const kids = read(`/proc/${zombieParent}/task/${zombieParent}/children`).trim().split(/\s+/).filter(Boolean);
    return (
      kids.some((k) => / Z /.test(read(`/proc/${k}/stat`))) &&
      read(`/proc/${paren}/comm`) === "a) (b\n" &&
      read(`/proc/${escaped}/comm`) === "x\x1b[31mred\n"
    );
  };
  for (const deadline = Date.now() + 5000; !ready(); ) {
    if (Date.now() > deadline) throw new Error("capture-fixture: the helper processes did not get ready within 5 s");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Writes `dir/name` as a reproducible gzipped tar at `target`: same tree, same bytes. */
function writeArchive(dir, name, target) {
  const tar = execFileSync(
    "tar",
    ["--sort=name", "--mtime=2026-01-01 00:00Z", "--owner=0", "--group=0", "--numeric-owner", "--format=gnu", "-C", dir, "-cf", "-", name],
    { maxBuffer: 1 << 30 },
  );
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, execFileSync("gzip", ["-9n"], { input: tar, maxBuffer: 1 << 30 }));
}

async function main() {
  const kernel = os.release().split("-")[0];
  const target = path.resolve(process.argv[2] ?? `test/fixtures/proc-${os.hostname()}-${kernel}.tar.gz`);
  if (fs.existsSync(target)) {
    console.error(`capture-fixture: "${target}" exists; remove it first`);
    process.exit(1);
  }
  const archive = target.endsWith(".tar.gz");
  const staging = archive ? fs.mkdtempSync(path.join(os.tmpdir(), "procscope-capture-")) : null;
  // Inside the archive the tree is one directory named after it: NAME.tar.gz holds NAME/.
  const out = archive ? path.join(staging, path.basename(target, ".tar.gz")) : target;
  const children = [
    spawn("sh", ["-c", "sleep 0 & exec sleep 300"], { stdio: "ignore", detached: true }), // leaves a zombie child
    // Renamed shells must not exec (exec resets the name), so each waits on a child and stays.
    spawn("bash", ["-c", 'printf "a) (b" > /proc/$$/comm; sleep 300; true'], { stdio: "ignore", detached: true }),
    spawn("bash", ["-c", 'printf "x\\033[31mred" > /proc/$$/comm; sleep 300; true'], { stdio: "ignore", detached: true }),
  ];
  await waitForChildren(children);
  const procOut = path.join(out, "proc");
  for (const name of SYSTEM_FILES) copyFile(path.join("/proc", name), path.join(procOut, name));
  const pids = fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n));
  for (const pid of pids) {
    capturePid(path.join("/proc", pid), path.join(procOut, pid));
    try {
      for (const tid of fs.readdirSync(path.join("/proc", pid, "task"))) {
        for (const name of TASK_FILES) copyFile(path.join("/proc", pid, "task", tid, name), path.join(procOut, pid, "task", tid, name));
      }
    } catch {}
  }
  for (const name of ETC_FILES) copyFile(path.join("/etc", name), path.join(out, "etc", name));
  const getconf = (name) => Number(execFileSync("getconf", [name], { encoding: "utf8" }).trim());
  const info = {
    clockTicks: getconf("CLK_TCK"),
    pageSize: getconf("PAGESIZE"),
    capturedFrom: `${os.hostname()} ${os.release()} ${os.arch()}`,
    pids: pids.length,
    special: Object.fromEntries(children.map((c, i) => [["zombieParent", "parenComm", "escapeComm"][i], c.pid])),
  };
  fs.writeFileSync(path.join(out, "system-info.json"), `${JSON.stringify(info, null, 2)}\n`);
  // Each helper leads its own process group: kill the groups so no sleep is left behind.
  for (const child of children) process.kill(-child.pid, "SIGKILL");
  if (archive) {
    writeArchive(staging, path.basename(out), target);
    fs.rmSync(staging, { recursive: true, force: true });
  }
  console.log(`captured ${pids.length} processes into ${target}`);
}

await main();
