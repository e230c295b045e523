import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { ProcessGone } from "../../src/errors.js";
import { detailLines } from "../../src/live/details.js";
import { createProcessContext } from "../../src/processes/context.js";
import { startProcess, unusedPid } from "../helpers/live.js";

describe("detailLines(), the details pane of top", () => {
  it("shows a live process's details, threads, open files and memory map", async () => {
    const sleeper = await startProcess("sleep", ["30"]);
    const context = createProcessContext(openProcFs());
    const summary = await detailLines(context, sleeper.pid, 0);
    expect(summary).toContain(`pid: ${sleeper.pid}`);
    expect(summary).toContain("comm: sleep");
    expect(summary.some((line) => /^environ: \d+ variables$/.test(line))).toBe(true);
    // Nested values are key: value lines a person reads, not JSON.
    expect(summary.filter((line) => /[{[]"/.test(line))).toEqual([]);
    const uid = process.getuid?.() ?? 0;
    expect(summary.slice(summary.indexOf("status:"), summary.indexOf("status:") + 3)).toEqual(["status:", "  uids:", `    real: ${uid}`]);
    expect(summary).toContain(`  - type: mnt, inode: ${fs.readlinkSync(`/proc/${sleeper.pid}/ns/mnt`).replace(/\D/g, "")}`);
    expect(summary).toContain(`cmdline: sleep 30`);

    const threads = await detailLines(context, sleeper.pid, 1);
    expect(threads[0]).toMatch(/^\s+TID S/);
    expect(threads[1]).toMatch(new RegExp(`^\\s*${sleeper.pid} S .* sleep$`));

    const files = await detailLines(context, sleeper.pid, 2);
    expect(files[0]).toMatch(/^\s+FD TYPE\s+POS TARGET$/);
    const stdout = fs.readlinkSync(`/proc/${sleeper.pid}/fd/1`);
    // Node gives a child's stdout as one end of a socketpair.
    expect(stdout).toMatch(/^socket:\[\d+\]$/);
    const line = files.find((l) => /^\s+1 /.test(l));
    expect(line?.trim().split(/\s+/)).toEqual(["1", "socket", "0", stdout]);

    const memory = await detailLines(context, sleeper.pid, 3);
    expect(memory[0]).toMatch(/^START\s+END\s+PERM/);
    expect(memory.some((line) => line.endsWith("[stack]"))).toBe(true);
    expect(memory.some((line) => line.includes("/sleep") || line.includes("/coreutils"))).toBe(true);
  });

  it("says a process that is gone is gone", async () => {
    const context = createProcessContext(openProcFs());
    await expect(detailLines(context, unusedPid(), 0)).rejects.toThrow(ProcessGone);
  });
});
