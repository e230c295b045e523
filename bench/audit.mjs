/**
 * Triage with 1000 extra idle processes:
 * - `audit` (every rule but the memory scan) against the classic-tools pipeline that checks the
 *   same things (issue #13): ls -l /proc/*\/exe | grep deleted, grep rwx /proc/*\/maps,
 *   grep LD_PRELOAD /proc/*\/environ, lsof -i, unhide proc. Goal: faster than the pipeline.
 * - `capture` into a directory and into a .tar.gz: time and size.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BIN, CLEAN_ENV, requireTool, startIdleProcesses, timeCommand } from "./_util.mjs";

const CLASSIC = [
  "ls -l /proc/*/exe 2>/dev/null | grep deleted",
  "grep -l rwx /proc/*/maps 2>/dev/null",
  "grep -l LD_PRELOAD /proc/*/environ 2>/dev/null",
  "lsof -n -P -i",
  "unhide proc",
]
  .map((c) => `{ ${c}; } >/dev/null 2>&1`)
  .join("; ");

function sizeOf(target) {
  const stat = fs.lstatSync(target);
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const name of fs.readdirSync(target)) total += sizeOf(path.join(target, name));
  return total;
}

export async function run(report) {
  requireTool("lsof", "lsof");
  requireTool("unhide", "unhide");
  const crowd = await startIdleProcesses(1000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-bench-capture-"));
  try {
    const ours = timeCommand(process.execPath, [BIN, "audit"], 3);
    const classic = timeCommand("sh", ["-c", `${CLASSIC}; true`], 1);
    report("audit (no --memory), 1000+ processes", { ours, peer: classic, peerName: "ls|grep, grep, lsof -i, unhide" });
    const withoutHidden = timeCommand(
      process.execPath,
      [
        BIN,
        "audit",
        "--rules",
        "deleted-exe,patched-code,memfd-exe,tmp-exe,rwx-memory,preload,reverse-shell,fake-kernel-thread,traced,secret-in-environ",
      ],
      3,
    );
    const classicWithoutUnhide = timeCommand("sh", ["-c", `${CLASSIC.replace(/; \{ unhide proc; \} >\/dev\/null 2>&1/, "")}; true`], 3);
    report("audit without hidden-process, 1000+ processes", {
      ours: withoutHidden,
      peer: classicWithoutUnhide,
      peerName: "the same without unhide",
    });
    for (const target of ["dir", "capture.tar.gz"]) {
      const out = path.join(work, target);
      const start = process.hrtime.bigint();
      const result = spawnSync(process.execPath, [BIN, "capture", "-o", out, "--json"], { env: CLEAN_ENV, encoding: "utf8" });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (result.status !== 0) throw new Error(`capture failed: ${result.stderr}`);
      const manifest = JSON.parse(result.stdout);
      console.log(
        `capture -o ${target}: ${ms.toFixed(0)} ms, ${manifest.processes} processes, ${(sizeOf(out) / 1048576).toFixed(1)} MiB on disk (${(manifest.bytes / 1048576).toFixed(1)} MiB of text)`,
      );
      fs.rmSync(out, { recursive: true, force: true });
    }
  } finally {
    crowd.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
