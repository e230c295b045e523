import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { type ProcessEvent, watchProcesses } from "../../src/live/watch.js";
import { createProcessContext } from "../../src/processes/context.js";
import { BIN } from "../helpers/cli.js";
import { startProcess } from "../helpers/live.js";

/** Collects events until `done` says so (or 10 s pass). */
async function collect(events: AsyncIterable<ProcessEvent>, controller: AbortController, done: (seen: ProcessEvent[]) => boolean) {
  const seen: ProcessEvent[] = [];
  const timer = setTimeout(() => controller.abort(), 10_000);
  for await (const event of events) {
    seen.push(event);
    if (done(seen)) controller.abort();
  }
  clearTimeout(timer);
  return seen;
}

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "ignore" });
    child.once("error", reject);
    child.once("spawn", () => resolve(child.pid as number));
  });
}

describe("watchProcesses()", () => {
  it("reports a process that lives half a second, with its command line, and its exit", async () => {
    const context = createProcessContext(openProcFs());
    const controller = new AbortController();
    const events = watchProcesses(context, { signal: controller.signal, exits: true });
    let pid = 0;
    // Start the short process once the watch has taken its baseline.
    setTimeout(() => {
      run("sleep", ["0.5"]).then((p) => {
        pid = p;
      });
    }, 300);
    const seen = await collect(events, controller, (s) => pid !== 0 && s.some((e) => e.pid === pid && e.event === "exit"));
    const mine = seen.filter((e) => e.pid === pid);
    expect(mine.map((e) => e.event)).toEqual(["start", "exit"]);
    const start = mine[0] as ProcessEvent;
    expect(start.cmdline).toEqual(["sleep", "0.5"]);
    expect(start.ppid).toBe(process.pid);
    expect(start.user).toBe("root");
    expect(start.startTimeTicks).toBeGreaterThan(0);
    expect(Date.parse((mine[1] as ProcessEvent).time)).toBeGreaterThanOrEqual(Date.parse(start.time));
  });

  it("does not report processes that were running when it began, nor exits unless asked", async () => {
    const old = await startProcess("sleep", ["30"]);
    const context = createProcessContext(openProcFs());
    const controller = new AbortController();
    const events = watchProcesses(context, { signal: controller.signal, intervalMs: 50 });
    let pid = 0;
    setTimeout(async () => {
      await old.kill();
      pid = await run("sleep", ["0.3"]);
    }, 200);
    const seen = await collect(events, controller, (s) => s.some((e) => e.pid === pid));
    expect(seen.some((e) => e.pid === old.pid)).toBe(false);
    expect(seen.every((e) => e.event === "start")).toBe(true);
    expect(seen.find((e) => e.pid === pid)?.comm).toBe("sleep");
  });
});

describe("procscope watch", () => {
  it("streams NDJSON start and exit events for a short process", async () => {
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const watcher = await startProcess(process.execPath, [BIN, "watch", "--json", "--exits"], { env });
    // Give it time to take its baseline, then start a process living half a second.
    await new Promise((r) => setTimeout(r, 800));
    const pid = await run("sleep", ["0.5"]);
    const exitLine = new RegExp(`"event":"exit","time":"[^"]+","pid":${pid},`);
    await watcher.waitFor(exitLine, 10_000);
    await watcher.kill("SIGINT");
    const lines = watcher
      .output()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as ProcessEvent);
    const mine = lines.filter((e) => e.pid === pid);
    expect(mine.map((e) => e.event)).toEqual(["start", "exit"]);
    expect(mine[0]?.cmdline).toEqual(["sleep", "0.5"]);
  });
});
