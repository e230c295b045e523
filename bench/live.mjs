/**
 * Benchmarks for the live views:
 *  - `top`: CPU time the interactive view uses per refresh with 1000 extra idle processes, against
 *    htop doing the same (both run in tmux at 200x50, refreshing every second; CPU is read from
 *    their own /proc/PID/stat utime+stime over a window after start-up).
 *  - `watch`: CPU time per second of watching at the default 100 ms interval (with and without
 *    --exits), against procps `top -b -d 0.1`, the nearest packaged poller of /proc at the same
 *    period (pspy, the tool watch imitates, is not packaged in Debian).
 *
 *   node bench/live.mjs          (after `npx tsc -p tsconfig.json`; needs tmux, htop, gcc)
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BIN, median, startIdleProcesses } from "./_util.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WARMUP_MS = 2500;
const WINDOW_MS = 6000;
const CLK_TCK = 100;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of a process, in milliseconds. */
function cpuMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

function tmux(...args) {
  return execFileSync("tmux", args, { encoding: "utf8" });
}

/** Runs `command` in a fresh tmux session; returns the CPU ms it used per second over the window. */
async function cpuPerSecondInTmux(label, command) {
  const name = `procscope-bench-${process.pid}-${label}`;
  tmux("new-session", "-d", "-s", name, "-x", "200", "-y", "50", `exec ${command}`);
  try {
    const pid = Number(tmux("display-message", "-p", "-t", name, "#{pane_pid}").trim());
    await sleep(WARMUP_MS);
    const before = cpuMs(pid);
    const start = performance.now();
    await sleep(WINDOW_MS);
    const used = cpuMs(pid) - before;
    return (used / (performance.now() - start)) * 1000;
  } finally {
    try {
      tmux("kill-session", "-t", name);
    } catch {
      // already gone
    }
  }
}

/** Runs a non-interactive command for the window and returns its CPU ms per second. */
async function cpuPerSecondPlain(command, args, env) {
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "ignore"], env });
  try {
    await sleep(WARMUP_MS);
    const before = cpuMs(child.pid);
    const start = performance.now();
    await sleep(WINDOW_MS);
    const used = cpuMs(child.pid) - before;
    return (used / (performance.now() - start)) * 1000;
  } finally {
    child.kill("SIGKILL");
  }
}

export async function run(report) {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const node = `env -u NODE_EXTRA_CA_CERTS ${process.execPath} ${BIN}`;
  const idle = await startIdleProcesses(1000);
  try {
    const ours = [];
    const peer = [];
    for (let i = 0; i < RUNS; i++) {
      // One refresh per second each: CPU ms per second = CPU ms per refresh.
      ours.push(await cpuPerSecondInTmux(`top${i}`, `${node} top --interval 1000`));
      peer.push(await cpuPerSecondInTmux(`htop${i}`, "env TERM=xterm htop -d 10"));
    }
    report("top: CPU ms per refresh, 1000 extra idle processes", {
      ours: median(ours),
      peer: median(peer),
      peerName: "htop 1 s refresh",
      note: `median of ${RUNS} windows of ${WINDOW_MS / 1000} s after ${WARMUP_MS / 1000} s start-up, both in tmux 200x50`,
    });

    const watchOurs = [];
    const watchExits = [];
    const watchPeer = [];
    for (let i = 0; i < RUNS; i++) {
      watchOurs.push(await cpuPerSecondPlain(process.execPath, [BIN, "watch"], env));
      watchExits.push(await cpuPerSecondPlain(process.execPath, [BIN, "watch", "--exits"], env));
      watchPeer.push(await cpuPerSecondPlain("top", ["-b", "-d", "0.1"], env));
    }
    report("watch: CPU ms per second at 100 ms, 1000 extra idle processes", {
      ours: median(watchOurs),
      peer: median(watchPeer),
      peerName: "procps top -b -d 0.1",
      note: "watch reads /proc/loadavg each tick and lists /proc only when a PID was handed out",
    });
    report("watch --exits: CPU ms per second at 100 ms, 1000 extra idle processes", {
      ours: median(watchExits),
      peer: median(watchPeer),
      peerName: "procps top -b -d 0.1",
      note: "--exits lists /proc every tick",
    });
  } finally {
    idle.stop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run((name, { ours, peer, peerName, note }) => {
    const ratio = peer > 0 ? (ours / peer).toFixed(2) : "-";
    console.log(`${name}: ours ${ours.toFixed(1)} ms, ${peerName} ${peer.toFixed(1)} ms, ratio ${ratio}${note ? ` (${note})` : ""}`);
  });
}
