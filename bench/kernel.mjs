/**
 * Benchmarks for the threads and kernel commands: wall time of one run of the real (bundled) CLI against
 * the nearest peer doing the same work, medians of several runs.
 *  - threads PID (64 threads) vs `ps -L -o tid,stat,time,psr,wchan,comm -p PID`
 *  - stack PID (64 threads) vs `cat /proc/PID/task/STAR/stack` (no packaged peer reads kernel stacks)
 *  - blocked vs `ps -eLo stat,pid,tid,wchan` (filtering for D happens in the shell's awk)
 *  - ksym NAME and ksym ADDR vs `grep -w NAME /proc/kallsyms` (the usual way)
 *  - sysctl (all keys) vs `sysctl -a`; sysctl vm.swappiness vs `sysctl vm.swappiness`
 *
 *   node bench/kernel.mjs          (after `npm run build`; needs gcc, procps; root for stack/ksym)
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BIN, CLEAN_ENV, median } from "./_util.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 9);

const THREADS_C = `
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
static void *sleeper(void *arg) { (void)arg; for (;;) pause(); return NULL; }
int main(void) {
  pthread_t t;
  for (int i = 0; i < 63; i++) pthread_create(&t, NULL, sleeper, NULL);
  puts("ready"); fflush(stdout);
  for (;;) pause();
}
`;

/** Output goes to a pipe, not /dev/null: GNU grep stops at the first match when it sees /dev/null. */
function timeOf(command, args) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    execFileSync(command, args, { env: CLEAN_ENV, stdio: ["ignore", "pipe", "ignore"], maxBuffer: 64 << 20 });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

function ours(args) {
  return timeOf(process.execPath, [BIN, ...args]);
}

async function startThreads(dir) {
  const source = path.join(dir, "threads.c");
  const binary = path.join(dir, "threads");
  fs.writeFileSync(source, THREADS_C);
  execFileSync("gcc", ["-O1", "-pthread", "-o", binary, source]);
  const child = spawn(binary, [], { stdio: ["ignore", "pipe", "ignore"] });
  await new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => String(d).includes("ready") && resolve());
    child.once("exit", () => reject(new Error("thread helper exited")));
  });
  return child;
}

export async function run(report) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-bench-kernel-"));
  let child;
  try {
    child = await startThreads(dir);
    const pid = String(child.pid);
    const root = process.geteuid?.() === 0;
    // The floor every command pays: node and commander starting (`--version`).
    const startup = ours(["--version"]);
    const entry = (name, ourArgs, peerName, peerCommand, peerArgs, note) => {
      const o = ours(ourArgs);
      const p = timeOf(peerCommand, peerArgs);
      const notes = [`start-up ${startup.toFixed(0)} ms`, ...(note ? [note] : [])].join("; ");
      report(name, { ours: o, peer: p, peerName, note: notes });
    };
    entry("threads (64 threads)", ["threads", pid], "ps -L", "ps", ["-L", "-o", "tid,stat,time,psr,wchan,comm", "-p", pid]);
    if (root) {
      entry("stack (64 threads, grouped)", ["stack", pid], "cat task/*/stack", "sh", ["-c", `cat /proc/${pid}/task/*/stack`]);
      entry("ksym NAME", ["ksym", "hrtimer_nanosleep"], "grep -w kallsyms", "grep", ["-w", "hrtimer_nanosleep", "/proc/kallsyms"]);
      const address = execFileSync("grep", ["-w", "hrtimer_nanosleep", "/proc/kallsyms"], { encoding: "utf8" }).split(" ")[0];
      entry(
        "ksym ADDR",
        ["ksym", `0x${address}`],
        "grep kallsyms",
        "grep",
        [address, "/proc/kallsyms"],
        "peer finds the exact address only",
      );
    }
    entry("blocked", ["blocked"], "ps -eLo | awk D", "sh", ["-c", "ps -eLo stat,pid,tid,wchan | awk '$1 ~ /^D/'"]);
    entry("sysctl (all keys)", ["sysctl"], "sysctl -a", "sysctl", ["-a"]);
    entry("sysctl vm.swappiness", ["sysctl", "vm.swappiness"], "sysctl", "sysctl", ["vm.swappiness"]);
  } finally {
    if (child && child.exitCode === null) {
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log("ratio = peer time / our time (above 1: procscope is faster)");
  await run((name, { ours: o, peer, peerName, note }) => {
    console.log(
      `${name.padEnd(30)} ours ${o.toFixed(1).padStart(7)} ms  ${peerName.padEnd(18)} ${peer.toFixed(1).padStart(7)} ms  ${(peer / o).toFixed(2)}x${note ? `  (${note})` : ""}`,
    );
  });
}
