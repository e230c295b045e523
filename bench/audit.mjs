/**
 * Triage with 1000 extra idle processes (issue #13):
 * - `audit` (every rule but the memory scan) against the classic-tools pipeline that checks the
 *   same things, written as one shell script and timed the same way, in turns with procscope:
 *     ls -l /proc/*\/exe | grep deleted; grep rwx /proc/*\/maps; grep LD_PRELOAD /proc/*\/environ;
 *     lsof -n -P -i; unhide proc
 *   Goal: faster than the pipeline. `unhide proc` alone takes minutes (one `ps` per PID it finds),
 *   so the whole pipeline is timed over few rounds; the same comparison without `unhide proc`
 *   (and `audit` without hidden-process) is timed over more. Wall time and CPU time (user+system of
 *   the command and everything it waited for) are both printed: on a shared machine the CPU time
 *   is the steadier of the two.
 * - `capture` into a directory and into a .tar.gz: time and size.
 *
 *   node bench/audit.mjs      (after `npm run build`)
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BIN, CLEAN_ENV, median, requireTool, startIdleProcesses } from "./_util.mjs";

const CHECKS = [
  "ls -l /proc/*/exe 2>/dev/null | grep deleted",
  "grep rwx /proc/*/maps 2>/dev/null",
  "grep LD_PRELOAD /proc/*/environ 2>/dev/null",
  "lsof -n -P -i",
];
const UNHIDE = "unhide proc";

const RULES_BUT_HIDDEN =
  "deleted-exe,patched-code,memfd-exe,tmp-exe,rwx-memory,preload,reverse-shell,fake-kernel-thread,traced,secret-in-environ";

function script(dir, name, checks) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${checks.join("\n")}\ntrue\n`);
  return file;
}

/** CPU seconds (user+system) of this process's waited-for children so far (cutime+cstime). */
function childrenCpuMs() {
  const stat = fs.readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

/** Runs the commands in turns; per command, median wall ms and median CPU ms. */
function timeInTurns(entries, runs, warmups) {
  const wall = entries.map(() => []);
  const cpu = entries.map(() => []);
  for (let i = 0; i < runs + warmups; i++) {
    entries.forEach(({ command, args }, j) => {
      const cpuBefore = childrenCpuMs();
      const start = process.hrtime.bigint();
      const result = spawnSync(command, args, { stdio: ["ignore", "ignore", "pipe"], env: CLEAN_ENV, maxBuffer: 1 << 28 });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
      if (i >= warmups) {
        wall[j].push(ms);
        cpu[j].push(childrenCpuMs() - cpuBefore);
      }
    });
  }
  return entries.map((_, j) => ({ wall: median(wall[j]), cpu: median(cpu[j]) }));
}

function loadAverage() {
  return fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}

function duKiB(target) {
  return Number(spawnSync("du", ["-sk", target], { encoding: "utf8" }).stdout.split("\t")[0]);
}

export async function run(report) {
  requireTool("lsof", "lsof");
  requireTool("unhide", "unhide");
  const crowd = await startIdleProcesses(1000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-bench-audit-"));
  try {
    const processes = fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n)).length;
    const partial = script(work, "classic-without-unhide.sh", CHECKS);
    const whole = script(work, "classic.sh", [...CHECKS, UNHIDE]);

    let load = loadAverage();
    const [ours, classic] = timeInTurns(
      [
        { command: process.execPath, args: [BIN, "audit", "--rules", RULES_BUT_HIDDEN] },
        { command: "sh", args: [partial] },
      ],
      5,
      2,
    );
    const notes = (o, c) => `CPU ${o.cpu.toFixed(0)} vs ${c.cpu.toFixed(0)} ms (${(c.cpu / o.cpu).toFixed(2)}x)`;
    report(`audit without hidden-process, ${processes} processes`, {
      ours: ours.wall,
      peer: classic.wall,
      peerName: "ls|grep, grep, grep, lsof -i",
      note: `${notes(ours, classic)}; load ${load}`,
    });

    load = loadAverage();
    const [oursAll, classicAll] = timeInTurns(
      [
        { command: process.execPath, args: [BIN, "audit"] },
        { command: "sh", args: [whole] },
      ],
      1,
      0,
    );
    report(`audit (no --memory), ${processes} processes`, {
      ours: oursAll.wall,
      peer: classicAll.wall,
      peerName: "the same + unhide proc",
      note: `${notes(oursAll, classicAll)}; one round; load ${load}`,
    });

    const sizes = {};
    for (const target of ["dir", "capture.tar.gz"]) {
      const out = path.join(work, target);
      load = loadAverage();
      const cpuBefore = childrenCpuMs();
      const start = process.hrtime.bigint();
      const result = spawnSync(process.execPath, [BIN, "capture", "-o", out, "--json"], { env: CLEAN_ENV, encoding: "utf8" });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const cpu = childrenCpuMs() - cpuBefore;
      if (result.status !== 0) throw new Error(`capture failed: ${result.stderr}`);
      const manifest = JSON.parse(result.stdout);
      sizes[target] = duKiB(out) / 1024;
      console.log(
        `capture -o ${target.padEnd(14)} ${ms.toFixed(0).padStart(6)} ms (CPU ${cpu.toFixed(0)} ms), ${manifest.processes} processes, ` +
          `${manifest.threads} threads, ${sizes[target].toFixed(1)} MiB on disk (${(manifest.bytes / 1048576).toFixed(1)} MiB of text); load ${load}`,
      );
      fs.rmSync(out, { recursive: true, force: true });
    }
    console.log(`capture size: the .tar.gz is ${(sizes.dir / sizes["capture.tar.gz"]).toFixed(1)}x smaller than the directory on disk`);
  } finally {
    crowd.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printReport } = await import("./run.mjs");
  await printReport([run]);
}
