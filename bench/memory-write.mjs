/**
 * Benchmarks for the memory-write area: `replace --yes` (search, freeze, journal, write, verify)
 * against the classic Python find-and-overwrite script over /proc/PID/mem, and `history PID`
 * against dumping a bash heap with dd and running strings over it.
 *
 *   node bench/memory-write.mjs          (after `npx tsc -p tsconfig.json`)
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(ROOT, "dist/bin/procscope.cjs");
const RUNS = 5;
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

// 64 MiB of writable anonymous memory with one planted string near its end.
const TARGET_C = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(void) {
  size_t size = 64u << 20;
  char *block = malloc(size);
  for (size_t i = 0; i < size; i++) block[i] = "abcdefgh ijklmnop\n"[i % 18];
  strcpy(block + size - 4096, "BENCH-NEEDLE-ORIGINAL");
  printf("ready %p\n", (void *)block); /* the pointer escapes, so gcc keeps the stores */
  fflush(stdout);
  for (;;) pause();
}
`;

// The peer: what tutorials and CTF write-ups do — scan writable private maps, overwrite every match.
const PEER_PY = `
import sys
pid, old, new = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb+", buffering=0) as mem:
    for line in maps:
        f = line.split()
        if f[1][1] != "w" or f[1][3] != "p" or (len(f) > 5 and f[5] in ("[vvar]", "[vsyscall]")):
            continue
        start, end = (int(x, 16) for x in f[0].split("-"))
        mem.seek(start)
        try:
            data = mem.read(end - start)
        except OSError:
            continue
        i = data.find(old)
        while i != -1:
            mem.seek(start + i)
            mem.write(new)
            i = data.find(old, i + 1)
`;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timeIt(command, args, options = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  return ms;
}

function compile(dir) {
  const source = path.join(dir, "target.c");
  const binary = path.join(dir, "target");
  fs.writeFileSync(source, TARGET_C);
  execFileSync("gcc", ["-O1", "-o", binary, source]);
  return binary;
}

function startReady(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "ignore"], env, ...options });
    let out = "";
    child.stdout.setEncoding("latin1");
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("ready")) resolve(child);
    });
    child.once("error", reject);
    child.once("exit", () => reject(new Error(`${command} exited early`)));
  });
}

async function benchReplace(dir, report) {
  const target = await startReady(compile(dir), []);
  try {
    const pid = String(target.pid);
    const ours = [];
    const peer = [];
    for (let i = 0; i < RUNS; i++) {
      ours.push(
        timeIt(process.execPath, [
          BIN,
          "replace",
          pid,
          "BENCH-NEEDLE-ORIGINAL",
          "BENCH-NEEDLE-REPLACED",
          "--yes",
          "--journal",
          path.join(dir, `j${i}.jsonl`),
        ]),
      );
      timeIt("python3", ["-c", PEER_PY, pid, "BENCH-NEEDLE-REPLACED", "BENCH-NEEDLE-ORIGINAL"]);
      peer.push(timeIt("python3", ["-c", PEER_PY, pid, "BENCH-NEEDLE-ORIGINAL", "BENCH-NEEDLE-REPLACED"]));
      timeIt("python3", ["-c", PEER_PY, pid, "BENCH-NEEDLE-REPLACED", "BENCH-NEEDLE-ORIGINAL"]);
    }
    report("replace --yes, 64 MiB writable memory", {
      ours: median(ours),
      peer: median(peer),
      peerName: "python3 find-and-overwrite script",
      note: "ours also freezes, journals and verifies",
    });
  } finally {
    target.kill("SIGKILL");
  }
}

async function benchHistory(dir, report) {
  const home = fs.mkdtempSync(path.join(dir, "home-"));
  const shell = spawn("script", ["-qfc", "bash --norc --noprofile -i", "/dev/null"], {
    stdio: ["pipe", "pipe", "ignore"],
    env: { PATH: env.PATH, HOME: home, HISTFILE: path.join(home, "hist"), PS1: "$ ", TERM: "dumb" },
  });
  let out = "";
  shell.stdout.setEncoding("latin1");
  shell.stdout.on("data", (chunk) => {
    out += chunk;
  });
  try {
    for (let i = 0; i < 500; i++) shell.stdin.write(`: command number ${i} $((${i}*3))\n`);
    shell.stdin.write("echo bench-$((40+2))\n");
    for (let waited = 0; !out.includes("bench-42") && waited < 20_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    let bashPid;
    const queue = [shell.pid];
    while (queue.length > 0 && bashPid === undefined) {
      const pid = queue.shift();
      if (pid !== shell.pid && fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "bash") bashPid = pid;
      const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
      if (children) queue.push(...children.split(" ").map(Number));
    }
    if (bashPid === undefined) throw new Error("no bash found under script");
    const heap = fs
      .readFileSync(`/proc/${bashPid}/maps`, "utf8")
      .split("\n")
      .find((l) => l.endsWith("[heap]"));
    const [start, end] = heap
      .split(" ")[0]
      .split("-")
      .map((x) => Number.parseInt(x, 16));
    const pipeline = `dd if=/proc/${bashPid}/mem bs=4096 skip=${start / 4096} count=${(end - start) / 4096} status=none | strings -n 3 | grep -c 'command number'`;
    const ours = [];
    const peer = [];
    for (let i = 0; i < RUNS; i++) {
      ours.push(timeIt(process.execPath, [BIN, "history", String(bashPid), "--json"]));
      peer.push(timeIt("bash", ["-c", pipeline]));
    }
    report("history of a bash with 500 commands", {
      ours: median(ours),
      peer: median(peer),
      peerName: "dd heap | strings | grep",
      note: "ours gives the commands in order with times; the pipeline gives unordered strings",
    });
  } finally {
    shell.kill("SIGKILL");
  }
}

/** Runs every benchmark of this area; `report(name, { ours, peer, peerName, note })`. */
export async function run(report) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-bench-write-"));
  try {
    await benchReplace(dir, report);
    await benchHistory(dir, report);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run((name, { ours, peer, peerName, note }) => {
    console.log(
      `${name}: ours ${ours.toFixed(1)} ms, ${peerName} ${peer.toFixed(1)} ms, ratio ${(peer / ours).toFixed(2)}x${note ? ` (${note})` : ""}`,
    );
  });
}
