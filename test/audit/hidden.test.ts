/**
 * hidden-process against a real hidden process: a bind mount over /proc/PID made inside
 * `unshare --mount` (a private mount namespace: the host's mounts never change, and the mount
 * vanishes with the namespace even if the test fails), cross-checked with unhide's kill(pid, 0)
 * scan on the same PID.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/model/finding.js";
import { BIN } from "../helpers/cli.js";
import { startProcess } from "../helpers/live.js";
import { auditJson, tempDir } from "./_helpers.js";

function run(command: string, args: readonly string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args as string[], { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe("hidden-process", () => {
  it("finds nothing hidden on this machine as it is (no false alarm from the count, cgroup and signal-0 views)", async () => {
    const { findings } = await auditJson(["--rules", "hidden-process"]);
    expect(findings).toEqual([]);
  });

  it("names a process hidden by a bind mount over /proc/PID, as unhide's kill scan does", async () => {
    const dir = tempDir();
    const empty = path.join(dir, "empty");
    fs.mkdirSync(empty);
    const hidden = await startProcess("sleep", ["300"], { stdio: "ignore" });
    const ours = path.join(dir, "ours.json");
    const theirs = path.join(dir, "unhide.txt");
    const script = [
      "set -e",
      `mount --bind ${empty} /proc/${hidden.pid}`,
      `"${process.execPath}" "${BIN}" audit --rules hidden-process --json > ${ours} || true`,
      `unhide checkkill > ${theirs} 2>&1 || true`,
    ].join("\n");
    const result = await run("unshare", ["--mount", "--propagation", "private", "sh", "-c", script], 280_000);
    expect(result.code, result.stderr).toBe(0);
    // The host never saw the mount.
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(`/proc/${hidden.pid} `);
    const findings = JSON.parse(fs.readFileSync(ours, "utf8")) as Finding[];
    const mine = findings.filter((f) => f.pid === hidden.pid);
    expect(mine, JSON.stringify(findings)).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      rule: "hidden-process",
      severity: "critical",
      evidence: { view: "mountinfo", mountPoint: `/proc/${hidden.pid}`, answersSignal0: true },
    });
    const unhidden = [...fs.readFileSync(theirs, "utf8").matchAll(/Found HIDDEN PID: (\d+)/g)].map((m) => Number(m[1]));
    expect(unhidden).toContain(hidden.pid);
    await hidden.kill();
  }, 300_000);
});
