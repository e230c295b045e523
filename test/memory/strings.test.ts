/**
 * `procscope strings` through the bundled CLI (dist/bin, where the worker thread script exists)
 * on a live process whose memory is laid out around the 1 MiB job edges: one thread, worker
 * threads and the library's independent regex scan must print the same lines; a process killed
 * mid-scan ends the output cleanly with a warning.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asciiJobs, writeAsciiStrings } from "../../src/memory/strings-fast.js";
import { BIN, runBin, runCli } from "../helpers/cli.js";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";

const MIB = 1024 * 1024;
const hex = (n: bigint) => `0x${n.toString(16)}`;

/**
 * An 8 MiB region (fenced, so jobs start at its start) cycling page kinds: zeros, random bytes,
 * dense short words with tabs, zeros, random bytes with a few words; then runs placed on the job
 * edges. Also a private file mapping of 3 MiB over a file of 1.5 MiB + 8 KiB (the rest is unreadable)
 * whose long file name makes a long label. argv[1]: the file; argv[2]: MiB of dense words to add
 * as a second region (for the kill test).
 */
const TARGET = String.raw`
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#define MIB (1024UL * 1024)
static unsigned long x = 88172645463325252UL;
static unsigned long next(void) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x; }
static void words(char *q, size_t size, int tabs) {
  size_t i = 0;
  while (i < size) {
    int len = 1 + next() % 12;
    for (int j = 0; j < len && i < size; j++, i++) q[i] = tabs && next() % 29 == 0 ? '\t' : 'a' + next() % 26;
    if (i < size) q[i++] = 0;
  }
}
static void put(char *at, const char *text) { at[-1] = 0; memcpy(at, text, strlen(text)); at[strlen(text)] = 0; }
int main(int argc, char **argv) {
  char *fence = mmap(0, 10 * MIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *big = fence + MIB;
  mprotect(big, 8 * MIB, PROT_READ | PROT_WRITE);
  for (size_t page = 0; page < 8 * MIB; page += 4096) {
    char *q = big + page;
    switch (page / 4096 % 5) {
      case 0: case 3: memset(q, 0, 4096); break;
      case 1: for (int i = 0; i < 4096; i += 8) { unsigned long r = next(); memcpy(q + i, &r, 8); } break;
      case 2: words(q, 4096, 1); break;
      case 4: for (int i = 0; i < 4096; i += 8) { unsigned long r = next(); memcpy(q + i, &r, 8); } words(q + 1000, 60, 0); break;
    }
  }
  memcpy(big, "START-OF-REGION", 15); big[15] = 0;
  put(big + MIB - 6, "CROSSES-THE-FIRST-JOB-EDGE");
  put(big + 2 * MIB, "STARTS-AT-A-JOB-EDGE");
  put(big + 3 * MIB - 12, "ENDS-AT-EDGE");
  put(big + 4 * MIB - 2, "ab\tcd");
  big[5 * MIB - 101] = 0;
  for (size_t i = 0; i < 3 * MIB; i++) big[5 * MIB - 100 + i] = i % 1000 == 999 ? '\t' : 'A' + i % 26;
  big[8 * MIB - 100] = 0;
  put(big + 4 * MIB + 3 * 4096, "\tTAB-FIRST");
  put(big + 4 * MIB + 5 * 4096, "SIXTEEN-BYTES-16\tTAB-IN-THE-SECOND-BLOCK");
  memcpy(big + 8 * MIB - 10, "END-OF-REG", 10);
  big[8 * MIB - 11] = 0;

  int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
  size_t size = 3 * MIB / 2 + 8192;
  char *content = malloc(size);
  words(content, size, 1);
  memcpy(content + size - 20, "RUN-ENDS-AT-EOF-HOLE", 20);
  content[size - 21] = 0;
  if (write(fd, content, size) != (ssize_t)size) return 1;
  char *file = mmap(0, 3 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);

  size_t extra = (size_t)atol(argv[2]) * MIB;
  char *dense = extra ? mmap(0, extra, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : 0;
  if (extra) words(dense, extra, 0);
  printf("big=%p file=%p dense=%p\n", (void *)big, (void *)file, (void *)dense);
  fflush(stdout);
  for (;;) pause();
}
`;

interface Target {
  readonly process: LiveProcess;
  readonly pid: number;
  readonly big: bigint;
  readonly file: bigint;
  readonly dense: bigint;
  readonly fileName: string;
}

let tmp: string;
let target: Target;

async function startTarget(denseMiB: number): Promise<Target> {
  // A long name: the label is the file name, and long labels shrink the jobs.
  const fileName = `strings-${"long-name-".repeat(20)}.bin`;
  const live = await startProcess(compileC("strings-target", TARGET), [path.join(tmp, fileName), String(denseMiB)], {
    ready: /dense=\S+\n/,
  });
  const field = (name: string) =>
    BigInt(new RegExp(`${name}=(0x[0-9a-f]+|\\(nil\\))`).exec(live.output())?.[1]?.replace("(nil)", "0") ?? "");
  return { process: live, pid: live.pid, big: field("big"), file: field("file"), dense: field("dense"), fileName };
}

/**
 * The library's JSON array (regex scan) as text lines. The library cuts runs longer than 1 MiB
 * into pieces; pieces follow each other with no byte between, so they are joined again.
 */
function jsonAsText(stdout: string): string {
  const runs: { address: bigint; region: string; text: string }[] = [];
  for (const s of JSON.parse(stdout) as { address: string; region: { label: string }; text: string }[]) {
    const last = runs[runs.length - 1];
    if (last && last.address + BigInt(last.text.length) === BigInt(s.address)) last.text += s.text;
    else runs.push({ address: BigInt(s.address), region: s.region.label, text: s.text });
  }
  return runs.map((r) => `${r.address.toString(16)} ${r.region} ${r.text.replaceAll("\t", "\\t")}\n`).join("");
}

/** Equal outputs; on a difference, says where (the outputs are megabytes: a full diff is no help). */
function expectSameOutput(actual: string, expected: string): void {
  if (actual === expected) return;
  const a = actual.split("\n");
  const b = expected.split("\n");
  let line = 0;
  while (a[line] === b[line]) line++;
  const cut = (text: string | undefined) =>
    text === undefined ? "(none)" : text.length > 200 ? `${text.slice(0, 200)}… (${text.length})` : text;
  expect({ line, actual: cut(a[line]), lines: a.length }).toEqual({ line, actual: cut(b[line]), lines: b.length });
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-strings-"));
  target = await startTarget(0);
});
afterAll(async () => {
  await target.process.kill();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("procscope strings (bundled)", () => {
  it("ships the worker script beside the bundle that starts it", () => {
    expect(fs.existsSync(path.join(path.dirname(BIN), "strings-worker.js"))).toBe(true);
  });

  it("prints the same bytes from one thread, from worker threads and from the library's scan", async () => {
    const region = `${hex(target.big)}-${hex(target.big + BigInt(8 * MIB))}`;
    const args = ["strings", String(target.pid), "--region", region];
    const single = await runBin(args, { env: { ...process.env, PROCSCOPE_STRINGS_WORKERS: "0" } });
    const workers = await runBin(args, { env: { ...process.env, PROCSCOPE_STRINGS_WORKERS: "2" } });
    const library = await runCli([...args, "--json"]);
    expect(single.code).toBe(0);
    expect(workers.stderr).toBe("");
    expect(workers.code).toBe(0);
    expectSameOutput(workers.stdout, single.stdout);
    expectSameOutput(single.stdout, jsonAsText(library.stdout));
    const at = (offset: number, text: string) => `${(target.big + BigInt(offset)).toString(16)} anon ${text}\n`;
    expect(single.stdout.startsWith(at(0, "START-OF-REGION"))).toBe(true);
    expect(single.stdout).toContain(at(MIB - 6, "CROSSES-THE-FIRST-JOB-EDGE"));
    expect(single.stdout).toContain(at(2 * MIB, "STARTS-AT-A-JOB-EDGE"));
    expect(single.stdout).toContain(at(3 * MIB - 12, "ENDS-AT-EDGE"));
    expect(single.stdout).toContain(at(4 * MIB - 2, "ab\\tcd"));
    expect(single.stdout).toContain(at(4 * MIB + 3 * 4096, "\\tTAB-FIRST"));
    expect(single.stdout).toContain(at(4 * MIB + 5 * 4096, "SIXTEEN-BYTES-16\\tTAB-IN-THE-SECOND-BLOCK"));
    expect(single.stdout.endsWith(at(8 * MIB - 10, "END-OF-REG"))).toBe(true);
    // The 3 MiB run is one line, written by the job where it starts.
    const long = single.stdout.split("\n").find((l) => l.startsWith(`${(target.big + BigInt(5 * MIB - 100)).toString(16)} `)) ?? "";
    expect(long.length - long.indexOf("anon ") - 5).toBe(3 * MIB + Math.floor((3 * MIB) / 1000));
  });

  it("agrees on a file mapping with an unreadable tail and a long label, with small jobs", { timeout: 120_000 }, async () => {
    const args = ["strings", String(target.pid), "--region", target.fileName, "-n", "1"];
    const single = await runBin(args, { env: { ...process.env, PROCSCOPE_STRINGS_WORKERS: "0" } });
    const workers = await runBin(args, { env: { ...process.env, PROCSCOPE_STRINGS_WORKERS: "2" } });
    expect(single.code).toBe(0);
    expectSameOutput(workers.stdout, single.stdout);
    // The library's JSON at -n 4: at -n 1 every run of this region carries its Region, some 600 MB.
    const libraryArgs = args.map((a) => (a === "1" ? "4" : a));
    const four = await runBin(libraryArgs, { env: { ...process.env, PROCSCOPE_STRINGS_WORKERS: "0" } });
    const library = await runCli([...libraryArgs, "--json"]);
    expectSameOutput(four.stdout, jsonAsText(library.stdout));
    const eofRun = `${(target.file + BigInt((3 * MIB) / 2 + 8192 - 20)).toString(16)} ${target.fileName} RUN-ENDS-AT-EOF-HOLE\n`;
    expect(single.stdout.endsWith(eofRun)).toBe(true);
    // The label makes a line up to 230 bytes per 2 bytes of memory: jobs shrink to bound their output.
    const jobs = asciiJobs([{ start: target.file, end: target.file + BigInt(3 * MIB), label: target.fileName }], 1);
    expect(jobs.length).toBeGreaterThan(3);
    expect(jobs.every((j) => (j.end - j.start) % 4096 === 0)).toBe(true);
  });

  it.each(["0", "2"])("ends cleanly with a warning when the process is killed mid-scan (workers: %s)", async (workers) => {
    const victim = await startTarget(64);
    const region = `${hex(victim.dense)}-${hex(victim.dense + BigInt(64 * MIB))}`;
    const cli = spawn(process.execPath, [BIN, "strings", String(victim.pid), "--region", region], {
      env: { ...process.env, PROCSCOPE_STRINGS_WORKERS: workers },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    cli.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const chunks: Buffer[] = [];
    // The first output means the scan has begun; not reading on fills the pipe and stalls it.
    await new Promise<void>((resolve) =>
      cli.stdout.once("data", (chunk: Buffer) => {
        chunks.push(chunk);
        cli.stdout.pause();
        resolve();
      }),
    );
    await victim.process.kill("SIGKILL");
    cli.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    cli.stdout.resume();
    const code = await new Promise<number | null>((resolve) => cli.once("close", resolve));
    const stdout = Buffer.concat(chunks).toString("latin1");
    const lines = stdout.split("\n");
    expect(lines.pop()).toBe("");
    expect(code).toBe(0);
    expect(stderr).toBe(
      `procscope: process ${victim.pid} exited during the scan: showing the ${lines.length} strings found before it did\n`,
    );
    // Whole lines in address order, and far fewer than the ~7.5M strings of the region.
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThan(3_000_000);
    const malformed = lines.find((line) => !/^[0-9a-f]+ anon [a-z]{4,12}$/.test(line));
    expect(malformed).toBeUndefined();
    const addresses = lines.map((line) => Number.parseInt(line, 16));
    expect(addresses.every((address, i) => i === 0 || address > (addresses[i - 1] as number))).toBe(true);
    expect(addresses[0]).toBeGreaterThanOrEqual(Number(victim.dense));
    expect(addresses[addresses.length - 1]).toBeLessThan(Number(victim.dense) + 64 * MIB);
  });

  it("the WebAssembly module is what the generator emits", () => {
    expect(() => execFileSync(process.execPath, ["scripts/gen-strings-wasm.mjs", "--check"], { stdio: "pipe" })).not.toThrow();
  });
});

describe("writeAsciiStrings()", () => {
  /** Stretches of zeros, random bytes, short words with tabs and long runs, from a fixed seed. */
  function mixedBytes(size: number): Buffer {
    const bytes = Buffer.alloc(size);
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let at = 0; at < size; ) {
      const kind = Math.floor(random() * 4);
      const length = Math.min(size - at, kind === 3 ? Math.floor(random() * 40000) : Math.floor(random() * 5000));
      for (let i = 0; i < length; i++) {
        const r = random();
        if (kind === 1) bytes[at + i] = Math.floor(r * 256);
        else if (kind === 2) bytes[at + i] = r < 0.8 ? 97 + Math.floor(random() * 26) : r < 0.83 ? 9 : 0;
        else if (kind === 3) bytes[at + i] = r < 0.9999 ? 65 + (i % 26) : 0;
      }
      at += length;
    }
    return bytes;
  }

  it.each([
    [4, 3 * 4096],
    [1, 4096],
    [2, 64 * 1024],
    [7, 1024 * 1024],
    [40, 5 * 4096],
  ])("finds what a regex finds with -n %i in jobs of %i bytes", async (min, jobSize) => {
    const bytes = mixedBytes(3 * MIB + 1234);
    const file = path.join(tmp, `mixed-${min}-${jobSize}.bin`);
    fs.writeFileSync(file, bytes);
    // A file stands in for /proc/PID/mem: addresses are offsets, some below 1 MiB (fewer digits).
    const fd = fs.openSync(file, "r");
    const chunks: Buffer[] = [];
    try {
      const jobs = asciiJobs([{ start: 0n, end: BigInt(bytes.length), label: "x" }], min, jobSize);
      const stats = await writeAsciiStrings(fd, jobs, (b) => void chunks.push(Buffer.from(b)), { workers: 0 });
      expect(stats.exited).toBe(false);
    } finally {
      fs.closeSync(fd);
    }
    let expected = "";
    for (const m of bytes.toString("latin1").matchAll(new RegExp(`[\\t\\x20-\\x7e]{${min},}`, "g")))
      expected += `${m.index.toString(16)} x ${m[0].replaceAll("\t", "\\t")}\n`;
    expectSameOutput(Buffer.concat(chunks).toString("latin1"), expected);
    expect(expected.split("\n").length).toBeGreaterThan(20);
  });
});
