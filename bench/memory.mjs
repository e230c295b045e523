/**
 * Memory benchmarks on a live C process with a 512 MiB region (a third zero pages, a third random
 * bytes, a third dense short words, one needle near the end):
 *   search   vs a C reader (pread 1 MiB chunks + memmem, compiled here) and vs dd | strings | grep
 *   strings  vs dd | strings -n 4
 *   peak RSS of our search (wait4 rusage, through a tiny C wrapper)
 * Run alone: `npm run build && node bench/memory.mjs`. Every process started here is killed.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// The bundled CLI (npm run build) starts faster; the tsc output is the fallback.
const BUNDLE = path.join(ROOT, "dist/bin/procscope.cjs");
const BIN = fs.existsSync(BUNDLE) ? BUNDLE : path.join(ROOT, "dist/cli/bin.js");
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NODE_EXTRA_CA_CERTS"));
const SIZE_MIB = 512;
const NEEDLE = "NEEDLE-5f3a9c";

const TARGET_C = String.raw`
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#define MIB (1024UL * 1024)
int main(int argc, char **argv) {
  size_t size = (size_t)atol(argv[1]) * MIB;
  char *fence = mmap(0, size + 2 * MIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *p = fence + MIB;
  mprotect(p, size, PROT_READ | PROT_WRITE);
  unsigned long x = 88172645463325252UL;
  for (size_t page = 0; page < size; page += 4096) {
    char *q = p + page;
    int kind = page / 4096 % 3;
    if (kind == 0) { memset(q, 0, 4096); continue; }
    if (kind == 1) { for (int i = 0; i < 4096; i += 8) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; memcpy(q + i, &x, 8); } continue; }
    int i = 0;
    while (i < 4096) {
      x ^= x << 13; x ^= x >> 7; x ^= x << 17;
      int len = 1 + x % 12;
      for (int j = 0; j < len && i < 4096; j++, i++) q[i] = 'a' + (x >> (j * 5 % 60)) % 26;
      if (i < 4096) q[i++] = 0;
    }
  }
  memcpy(p + size - 3 * MIB - 7, "NEEDLE-5f3a9c-END", 17);
  printf("%p %p\n", (void *)p, (void *)(p + size));
  fflush(stdout);
  for (;;) pause();
}
`;

const READER_C = String.raw`
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  char path[64]; snprintf(path, sizeof path, "/proc/%s/mem", argv[1]);
  unsigned long start = strtoul(argv[2], 0, 16), end = strtoul(argv[3], 0, 16);
  const char *needle = argv[4]; size_t len = strlen(needle);
  int fd = open(path, O_RDONLY); if (fd < 0) { perror(path); return 1; }
  size_t chunk = 1 << 20; char *buf = malloc(chunk + len); size_t carry = 0; long found = 0;
  for (unsigned long pos = start; pos < end;) {
    size_t want = end - pos < chunk ? end - pos : chunk;
    ssize_t n = pread(fd, buf + carry, want, pos);
    if (n <= 0) break;
    size_t total = carry + n; char *at = buf;
    while ((at = memmem(at, total - (at - buf), needle, len)) != 0) { printf("%lx\n", pos - carry + (at - buf)); found++; at++; }
    carry = total < len - 1 ? total : len - 1; memmove(buf, buf + total - carry, carry); pos += n;
  }
  return found ? 0 : 1;
}
`;

const RUSAGE_C = String.raw`
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
  pid_t pid = fork();
  if (pid == 0) { execvp(argv[1], argv + 1); _exit(127); }
  int status; struct rusage usage; wait4(pid, &status, 0, &usage);
  fprintf(stderr, "maxrss_kb=%ld\n", usage.ru_maxrss);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
`;

function compile(dir, name, source) {
  const file = path.join(dir, `${name}.c`);
  fs.writeFileSync(file, source);
  execFileSync("gcc", ["-O2", "-o", path.join(dir, name), file]);
  return path.join(dir, name);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median wall ms of a shell command (stdout to /dev/null), after one warm-up run. */
function timeShell(command, runs) {
  const times = [];
  for (let i = 0; i <= runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync("sh", ["-c", `${command} > /dev/null`], { env: ENV, stdio: ["ignore", "ignore", "pipe"] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0 && result.status !== 1) throw new Error(`${command}: ${result.stderr}`);
    if (i > 0) times.push(ms);
  }
  return median(times);
}

async function startTarget(binary) {
  const child = spawn(binary, [String(SIZE_MIB)], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(out.trim());
    });
    child.once("exit", () => reject(new Error("target exited early")));
  });
  const [start, end] = line.split(" ").map((s) => BigInt(s));
  return { child, start, end };
}

export async function run(report) {
  if (!fs.existsSync(BIN)) throw new Error(`build first: ${BIN} is missing (npm run build)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-bench-mem-"));
  const target = await startTarget(compile(dir, "target", TARGET_C));
  try {
    const reader = compile(dir, "reader", READER_C);
    const rusage = compile(dir, "rusage", RUSAGE_C);
    const pid = target.child.pid;
    const range = `0x${target.start.toString(16)}-0x${target.end.toString(16)}`;
    const dd = `dd if=/proc/${pid}/mem ibs=4096 skip=${target.start / 4096n} count=${(target.end - target.start) / 4096n} status=none`;
    const ours = (args) => `${process.execPath} ${BIN} ${args}`;

    // Same answer first: all three find the one needle.
    const found = execFileSync(process.execPath, [BIN, "search", String(pid), NEEDLE, "--region", range, "--json"], {
      env: ENV,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const cFound = execFileSync(reader, [String(pid), target.start.toString(16), target.end.toString(16), NEEDLE], { encoding: "utf8" });
    if (JSON.parse(found.trim()).address !== `0x${cFound.trim()}`) throw new Error(`search disagrees: ${found} vs ${cFound}`);

    const search = timeShell(ours(`search ${pid} ${NEEDLE} --region ${range} 2>/dev/null`), 5);
    const cReader = timeShell(`${reader} ${pid} ${target.start.toString(16)} ${target.end.toString(16)} ${NEEDLE}`, 5);
    const pipeline = timeShell(`${dd} | strings | grep ${NEEDLE}`, 3);
    const rss = spawnSync(rusage, [process.execPath, BIN, "search", String(pid), NEEDLE, "--region", range], {
      env: ENV,
      encoding: "utf8",
    });
    const peakMiB = Number(/maxrss_kb=(\d+)/.exec(rss.stderr)?.[1]) / 1024;
    report(`memory search ${SIZE_MIB} MiB`, {
      ours: search,
      peer: cReader,
      peerName: "C pread 1 MiB + memmem",
      note: `goal: within 2x; peak RSS of our search ${peakMiB.toFixed(0)} MiB (goal < 100)`,
    });
    report(`memory search ${SIZE_MIB} MiB (pipeline)`, {
      ours: search,
      peer: pipeline,
      peerName: "dd | strings | grep",
      note: "goal: at least 3x faster",
    });
    // Same strings first (binutils prints them without addresses).
    const count = (command) => Number(execFileSync("sh", ["-c", `${command} | wc -l`], { env: ENV, encoding: "utf8" }).trim());
    const ourCount = count(ours(`strings ${pid} --region ${range} -n 4`));
    const binutilsCount = count(`${dd} | strings -n 4`);
    if (ourCount !== binutilsCount) throw new Error(`strings disagrees: ${ourCount} lines vs ${binutilsCount} from binutils`);
    const strings = timeShell(ours(`strings ${pid} --region ${range} -n 4`), 3);
    const binutils = timeShell(`${dd} | strings -n 4`, 3);
    report(`memory strings ${SIZE_MIB} MiB`, {
      ours: strings,
      peer: binutils,
      peerName: "dd | strings -n 4",
      note: `goal: at least 2x faster; ${(ourCount / 1e6).toFixed(1)}M strings, a third of the region dense short words (WebAssembly SIMD scan, one thread)`,
    });
  } finally {
    target.child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run((name, { ours, peer, peerName, note }) => {
    console.log(
      `${name}: ours ${ours.toFixed(0)} ms, ${peerName} ${peer.toFixed(0)} ms, ratio ${(peer / ours).toFixed(2)}x${note ? ` (${note})` : ""}`,
    );
  });
}
