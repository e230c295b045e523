/**
 * deleted-exe on a capture gives what it gave live: whether a file with the deleted executable's
 * name existed in the process's root (an upgrade: low; gone: high) is kept at capture time, since
 * a capture has no process root to look into.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Finding } from "../../src/model/finding.js";
import { exeOf, waitUntil } from "../audit/_helpers.js";
import { runCli } from "../helpers/cli.js";
import { startProcess } from "../helpers/live.js";

const base = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-capture-deleted-"));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }), 180_000);

const SLEEP = fs.realpathSync("/bin/sleep");

async function runCopy(name: string) {
  const copy = path.join(base, name);
  fs.copyFileSync(SLEEP, copy);
  fs.chmodSync(copy, 0o755);
  const p = await startProcess(copy, ["300"], { stdio: "ignore" });
  await waitUntil("the copy to run", () => exeOf(p.pid) === copy);
  return { p, copy };
}

async function deletedExe(pids: readonly number[], extra: readonly string[] = []): Promise<Finding[]> {
  const result = await runCli(["audit", ...pids.map(String), "--rules", "deleted-exe", "--json", ...extra]);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as Finding[]).sort((a, b) => (a.pid ?? 0) - (b.pid ?? 0));
}

describe("deleted-exe --root", () => {
  it("is low for a replaced executable and high for a vanished one, as live", async () => {
    const vanished = await runCopy("vanished");
    fs.unlinkSync(vanished.copy);
    const upgraded = await runCopy("upgraded");
    fs.unlinkSync(upgraded.copy);
    fs.copyFileSync(SLEEP, upgraded.copy);
    const pids = [vanished.p.pid, upgraded.p.pid];
    const live = await deletedExe(pids);
    expect(live.map((f) => [f.pid, f.severity, (f.evidence as { replacedByNewFile: unknown }).replacedByNewFile])).toEqual(
      [
        [vanished.p.pid, "high", false],
        [upgraded.p.pid, "low", true],
      ].sort((a, b) => (a[0] as number) - (b[0] as number)),
    );
    const capture = path.join(base, "snap");
    const captured = await runCli(["capture", "-o", capture]);
    expect(captured.code, captured.stderr).toBe(0);
    expect(await deletedExe(pids, ["--root", capture])).toEqual(live);
  }, 180_000);
});
