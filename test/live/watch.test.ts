import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { type ProcessEvent, watchProcesses } from "../../src/live/watch.js";
import { createProcessContext } from "../../src/processes/context.js";
import { BIN } from "../helpers/cli.js";
import { startProcess } from "../helpers/live.js";
import { waitUntil } from "../helpers/wait.js";

/** Consumes the events into `seen` until the watch is aborted (or 20 s pass, a safety net). */
function consume(events: AsyncIterable<ProcessEvent>, controller: AbortController): { seen: ProcessEvent[]; done: Promise<void> } {
  const seen: ProcessEvent[] = [];
  const timer = setTimeout(() => controller.abort(), 20_000);
  const done = (async () => {
    for await (const event of events) seen.push(event);
    clearTimeout(timer);
  })();
  return { seen, done };
}

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "ignore" });
    child.once("error", reject);
    child.once("spawn", () => resolve(child.pid as number));
  });
}

/**
 * Starts `sleep SECONDS` until the watch reports one's start, and returns that PID. A watch says
 * nothing when it has taken its baseline (what runs then is never reported as started), so the
 * first start it reports is the readiness signal; a process started earlier is simply not seen.
 */
async function startUntilSeen(seconds: string, started: (pid: number) => boolean): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const pid = await run("sleep", [seconds]);
    try {
      return await waitUntil(`the watch to report process ${pid}`, () => started(pid) && pid, { timeoutMs: 2000 });
    } catch (error) {
      if (attempt === 8) throw error;
    }
  }
}

describe("watchProcesses()", () => {
  it("reports a process that lives half a second, with its command line, and its exit", async () => {
    const context = createProcessContext(openProcFs());
    const controller = new AbortController();
    const { seen, done } = consume(watchProcesses(context, { signal: controller.signal, exits: true }), controller);
    const pid = await startUntilSeen("0.5", (p) => seen.some((e) => e.process.pid === p && e.event === "start"));
    await waitUntil("its exit", () => seen.some((e) => e.process.pid === pid && e.event === "exit"));
    controller.abort();
    await done;
    const mine = seen.filter((e) => e.process.pid === pid);
    expect(mine.map((e) => e.event)).toEqual(["start", "exit"]);
    const start = mine[0] as ProcessEvent;
    expect(start.process.cmdline).toEqual(["sleep", "0.5"]);
    expect(start.process.ppid).toBe(process.pid);
    expect(start.process.user).toBe("root");
    expect(start.process.startTimeTicks).toBeGreaterThan(0);
    expect(Date.parse((mine[1] as ProcessEvent).time)).toBeGreaterThanOrEqual(Date.parse(start.time));
  });

  it("does not report processes that were running when it began, nor exits unless asked", async () => {
    const old = await startProcess("sleep", ["30"]);
    const context = createProcessContext(openProcFs());
    const controller = new AbortController();
    const { seen, done } = consume(watchProcesses(context, { signal: controller.signal, intervalMs: 50 }), controller);
    const started = (p: number) => seen.some((e) => e.process.pid === p);
    await startUntilSeen("0.3", started);
    // The baseline is taken (it held the old process): end that one, then see a later start.
    await old.kill();
    const pid = await startUntilSeen("0.3", started);
    controller.abort();
    await done;
    expect(seen.some((e) => e.process.pid === old.pid)).toBe(false);
    expect(seen.every((e) => e.event === "start")).toBe(true);
    expect(seen.find((e) => e.process.pid === pid)?.process.comm).toBe("sleep");
  });
});

/** A /proc/PID/stat line with the fields watch reads; the rest are zeros. */
function statLine(pid: number, comm: string, ppid: number, flags: number, startTicks: number): string {
  const fields = Array.from({ length: 52 }, () => "0");
  fields[0] = String(pid);
  fields[1] = `(${comm})`;
  fields[2] = "S";
  fields[3] = String(ppid);
  fields[8] = String(flags);
  fields[21] = String(startTicks);
  return `${fields.join(" ")}\n`;
}

describe("watchProcesses() on a tree that changes between ticks", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-watch-"));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const put = (pid: number, comm: string, ppid: number, cmdline: string, flags = 0x400000): void => {
    fs.mkdirSync(path.join(root, String(pid)), { recursive: true });
    fs.writeFileSync(path.join(root, String(pid), "stat"), statLine(pid, comm, ppid, flags, 1000 + pid));
    fs.writeFileSync(path.join(root, String(pid), "status"), `Name:\t${comm}\nUid:\t0\t0\t0\t0\n`);
    fs.writeFileSync(path.join(root, String(pid), "cmdline"), cmdline);
  };

  it("holds back a process caught inside execve (no arguments yet) until its command line appears", async () => {
    fs.writeFileSync(path.join(root, "stat"), "cpu  1 0 1 1 0 0 0 0 0 0\nbtime 1700000000\n");
    put(100, "bash", 1, "bash\0");
    put(2, "kthreadd", 0, "", 0x208040);
    const steps: Array<() => void> = [
      // Tick 1: a new process mid-exec, and a new kernel thread (which never has arguments).
      () => {
        put(200, "sleep", 100, "");
        put(300, "kworker/0:1", 2, "", 0x4208060);
      },
      // Tick 2: the exec has finished.
      () => put(200, "sleep", 100, "sleep\x000.5\0"),
    ];
    let tick = 0;
    const controller = new AbortController();
    const context = createProcessContext(openProcFs(root));
    const events = watchProcesses(context, {
      signal: controller.signal,
      intervalMs: 5,
      clock: () => {
        steps[tick]?.();
        tick += 1;
        return new Date(Date.UTC(2026, 0, 1, 0, 0, tick));
      },
    });
    const { seen, done } = consume(events, controller);
    await waitUntil("two events", () => seen.length >= 2, { everyMs: 5 });
    controller.abort();
    await done;
    expect(seen.map((e) => [e.process.pid, e.time, e.process.cmdline, e.process.kernelThread])).toEqual([
      [300, "2026-01-01T00:00:01.000Z", [], true],
      [200, "2026-01-01T00:00:02.000Z", ["sleep", "0.5"], false],
    ]);
  });
});

describe("procscope watch", () => {
  it("streams NDJSON start and exit events for a short process", async () => {
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const watcher = await startProcess(process.execPath, [BIN, "watch", "--json", "--exits"], { env });
    const pid = await startUntilSeen("0.5", (p) =>
      new RegExp(`"event":"start","time":"[^"]+","process":\\{"pid":${p},`).test(watcher.output()),
    );
    const exitLine = new RegExp(`"event":"exit","time":"[^"]+","process":\\{"pid":${pid},`);
    await watcher.waitFor(exitLine, 10_000);
    await watcher.kill("SIGINT");
    const lines = watcher
      .output()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as ProcessEvent);
    const mine = lines.filter((e) => e.process.pid === pid);
    expect(mine.map((e) => e.event)).toEqual(["start", "exit"]);
    expect(mine[0]?.process.cmdline).toEqual(["sleep", "0.5"]);
  });
});
