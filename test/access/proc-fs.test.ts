/** ProcFs on the live /proc: whole reads, bytes, and errno mapped to typed errors. */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { ProcessGone, Unavailable } from "../../src/errors.js";
import { startProcess } from "../helpers/live.js";
import { waitUntil } from "../helpers/wait.js";

const procFs = openProcFs();

describe("ProcFs reads files whole", () => {
  it("reads a 200 KiB command line completely (more than the first buffer)", async () => {
    // One argument may hold at most 128 KiB (MAX_ARG_STRLEN): four of 50 KiB make 200 KiB.
    const long = Array.from({ length: 4 }, (_, i) => String(i).repeat(50 * 1024));
    const child = await startProcess("sh", ["-c", "sleep 30; true", ...long]);
    const dir = procFs.openProcess(child.pid);
    try {
      expect(dir.readBytes("cmdline").length).toBe(fs.readFileSync(`/proc/${child.pid}/cmdline`).length);
      expect(dir.readText("cmdline")).toBe(`sh\u0000-c\u0000sleep 30; true\u0000${long.join("\u0000")}\u0000`);
    } finally {
      dir.close();
    }
  });

  it("reads multi-record files (maps, smaps, kallsyms) as readFileSync does", async () => {
    // An idle process's maps, not our own: our heap may grow between the two reads.
    const idle = await startProcess("sleep", ["30"]);
    // Asleep means the loader has mapped everything: from then on its maps stay as they are.
    await waitUntil("sleep to sleep", () => / S /.test(fs.readFileSync(`/proc/${idle.pid}/stat`, "utf8")));
    expect(procFs.readText(`${idle.pid}/maps`)).toBe(fs.readFileSync(`/proc/${idle.pid}/maps`, "utf8"));
    expect(procFs.readText("self/smaps").split("\n").length).toBeGreaterThan(100);
    const kallsyms = procFs.readText("kallsyms");
    expect(kallsyms.length).toBe(fs.readFileSync("/proc/kallsyms", "utf8").length);
    expect(procFs.readText("self/status")).toMatch(/nonvoluntary_ctxt_switches:\t\d+\n$/);
  });

  it("reads UTF-8 arguments and link targets", async () => {
    const child = await startProcess("sh", ["-c", "sleep 30; true", "caf\u00e9", "\u65e5\u672c"]);
    const dir = procFs.openProcess(child.pid);
    try {
      expect(dir.readText("cmdline").split("\u0000").slice(3, 5)).toEqual(["caf\u00e9", "\u65e5\u672c"]);
      expect(dir.readLink("exe").toString()).toBe(fs.readlinkSync(`/proc/${child.pid}/exe`));
    } finally {
      dir.close();
    }
  });
});

describe("ProcFs errors", () => {
  it("maps a process that exits to ProcessGone, through the handle it was opened with", async () => {
    const child = await startProcess("sleep", ["30"]);
    const dir = procFs.openProcess(child.pid);
    await child.kill();
    expect(() => dir.readText("status")).toThrow(ProcessGone);
    dir.close();
    expect(() => procFs.openProcess(child.pid)).toThrow(ProcessGone);
  });

  it("maps a missing file of a live process to Unavailable, not ProcessGone", () => {
    const dir = procFs.openProcess(process.pid);
    try {
      expect(() => dir.readText("no-such-file")).toThrow(Unavailable);
    } finally {
      dir.close();
    }
  });

  it("reads a bigint position in mem (addresses are bigint)", async () => {
    const dir = procFs.openProcess(process.pid);
    const maps = dir.readText("maps").split("\n");
    const readable = maps.find((l) => / r..p /.test(l) && l.includes("[stack]")) as string;
    const start = BigInt(`0x${readable.split("-")[0]}`);
    const mem = dir.openRaw("mem", "r");
    try {
      const buffer = Buffer.alloc(16);
      expect(mem.read(buffer, 0, 16, start)).toBe(16);
    } finally {
      mem.close();
      dir.close();
    }
  });
});
