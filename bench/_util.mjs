/** Shared pieces of the benchmarks: medians, timing a whole command, a crowd of idle processes. */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const BIN = path.join(ROOT, "dist/bin/procscope.cjs");

/** The environment users have: NODE_EXTRA_CA_CERTS (set on this machine) adds ~100 ms per start. */
export const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NODE_EXTRA_CA_CERTS"));

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median wall time (ms) of running a command to completion, output discarded. */
export function timeCommand(command, args, runs = 15, env = {}) {
  const times = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...CLEAN_ENV, ...env }, maxBuffer: 1 << 28 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
    if (i >= 2) times.push(ms); // two warm-up runs fill the page cache
  }
  return median(times);
}

/**
 * Median times (ms) of several commands run in turns (a, b, a, b...), so a machine that slows down
 * or speeds up during the bench weighs on each alike. Each entry: { command, args, env }.
 */
export function timeCommandsInTurn(entries, runs = 15) {
  const times = entries.map(() => []);
  for (let i = 0; i < runs + 2; i++) {
    entries.forEach(({ command, args, env = {} }, j) => {
      const start = process.hrtime.bigint();
      const result = spawnSync(command, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...CLEAN_ENV, ...env }, maxBuffer: 1 << 28 });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
      if (i >= 2) times[j].push(ms); // two warm-up rounds fill the page cache
    });
  }
  return times.map(median);
}

/** Median time (ms) of an in-process function; `pauseMs` waits (untimed) before each call. */
export async function timeFunction(fn, runs = 10, pauseMs = 0) {
  const times = [];
  for (let i = 0; i < runs + 1; i++) {
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    const start = process.hrtime.bigint();
    await fn();
    if (i >= 1) times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

const FORKER_C = `
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  for (int i = 0; i < n; i++) if (fork() == 0) { for (;;) pause(); }
  puts("ready"); fflush(stdout);
  for (;;) pause();
}
`;

export function compile(name, source) {
  const dir = path.join(ROOT, ".tmp/bench");
  fs.mkdirSync(dir, { recursive: true });
  const binary = path.join(dir, name);
  fs.writeFileSync(`${binary}.c`, source);
  execFileSync("gcc", ["-O2", "-o", binary, `${binary}.c`], { stdio: "inherit" });
  return binary;
}

/** Starts `count` idle processes (one forker and its children, in their own process group). */
export async function startIdleProcesses(count) {
  const forker = spawn(compile("forker", FORKER_C), [String(count)], { detached: true, stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    forker.stdout.on("data", (d) => d.toString().includes("ready") && resolve());
    forker.once("exit", () => reject(new Error("forker exited early")));
  });
  return {
    stop() {
      try {
        process.kill(-forker.pid, "SIGKILL");
      } catch {}
    },
  };
}

export function requireTool(command, pkg) {
  if (spawnSync("sh", ["-c", `command -v ${command}`]).status !== 0) throw new Error(`${command} is missing: apt-get install -y ${pkg}`);
}
