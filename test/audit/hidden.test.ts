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
import { auditJson, tempDir } from "./_helpers.js";

function run(command: string, args: readonly string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args as string[], { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe("hidden-process", () => {
  const dir = tempDir();

  it("finds nothing hidden on this machine as it is (no false alarm from the count, cgroup and signal-0 views)", async () => {
    const { findings } = await auditJson(["--rules", "hidden-process"]);
    expect(findings).toEqual([]);
  });

  it("names a process hidden by a bind mount over /proc/PID, as unhide's kill scan does", async () => {
    const empty = path.join(dir, "empty");
    fs.mkdirSync(empty);
    const pidMax = path.join(dir, "pid_max");
    fs.writeFileSync(pidMax, "64\n");
    const ours = path.join(dir, "ours.json");
    const theirs = path.join(dir, "unhide.txt");
    const hiddenPid = path.join(dir, "hidden-pid");
    // A new PID namespace with its own /proc (small PIDs) inside a private mount namespace: the
    // host's mounts never change. pid_max is shadowed there by a file saying 64, so unhide scans
    // 64 PIDs instead of the machine's whole range (minutes under load).
    const script = [
      "set -e",
      "sleep 300 &",
      "H=$!",
      `echo $H > ${hiddenPid}`,
      `mount --bind ${empty} /proc/$H`,
      `mount --bind ${pidMax} /proc/sys/kernel/pid_max`,
      `"${process.execPath}" "${BIN}" audit --rules hidden-process --json > ${ours} || true`,
      `unhide checkkill > ${theirs} 2>&1 || true`,
      "kill $H",
    ].join("\n");
    const result = await run(
      "unshare",
      ["--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc", "sh", "-c", script],
      110_000,
    );
    expect(result.code, result.stderr).toBe(0);
    const pid = Number(fs.readFileSync(hiddenPid, "utf8"));
    // The host never saw either mount.
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(empty);
    expect(fs.readFileSync("/proc/sys/kernel/pid_max", "utf8").trim()).not.toBe("64");
    const findings = JSON.parse(fs.readFileSync(ours, "utf8")) as Finding[];
    // Only the hidden one: in a child PID namespace the machine-wide count views stay silent.
    expect(findings, JSON.stringify(findings)).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: "hidden-process",
      severity: "critical",
      pid,
      evidence: { view: "mountinfo", mountPoint: `/proc/${pid}`, answersSignal0: true },
    });
    const unhidden = [...fs.readFileSync(theirs, "utf8").matchAll(/Found HIDDEN PID: (\d+)/g)].map((m) => Number(m[1]));
    expect(unhidden, fs.readFileSync(theirs, "utf8")).toEqual([pid]);
  }, 120_000);
});
