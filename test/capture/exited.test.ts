/**
 * capture() when a process exits while it is being copied: its partial copy is removed and its
 * PID listed in the manifest's `exited`, the others are kept. Fault injection over the captured
 * fixture tree: the process "exits" after its first files were copied.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { capture } from "../../src/capture/capture.js";
import { ProcessGone } from "../../src/errors.js";
import { faultyProcFs } from "../helpers/faulty-procfs.js";
import { FIXTURE_PROC } from "../helpers/fixtures.js";

const base = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-capture-exited-"));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

describe("capture() with a process exiting mid-capture", () => {
  it("leaves it out whole and lists it in the manifest; keeps the others", async () => {
    const inner = openProcFs(FIXTURE_PROC);
    const pids = inner.listPids();
    // A process with threads, so it "exits" late: after stat, status, maps, fds… were copied.
    const victim = pids.find((pid) => pid > 1 && inner.listDir(`${pid}/task`).length > 0) as number;
    const procFs = faultyProcFs(inner, (pid, name) => (pid === victim && name === "task" ? new ProcessGone(pid) : undefined));
    const out = path.join(base, "snap");
    const manifest = await capture(procFs, out, { version: "test" });
    expect(manifest.exited).toEqual([victim]);
    expect(fs.existsSync(path.join(out, "proc", String(victim)))).toBe(false);
    expect(manifest.processes).toBe(pids.length - 1);
    for (const pid of pids.filter((p) => p !== victim))
      expect(fs.existsSync(path.join(out, "proc", String(pid), "stat")), String(pid)).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8")).exited).toEqual([victim]);
  });
});
