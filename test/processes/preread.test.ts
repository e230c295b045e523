/**
 * The listing's read-ahead (src/access/preread.ts, the native helper reading many processes'
 * files on other threads) must give exactly what reading each process in TypeScript gives, on
 * live processes with awkward command lines, and must never hand out another process's data.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nativeHelper } from "../../src/access/native.js";
import { prereadProcesses } from "../../src/access/preread.js";
import { openProcFs, type ProcFs } from "../../src/access/proc-fs.js";
import { ProcessGone } from "../../src/errors.js";
import { listProcesses, PROCESS_FIELDS, type ProcessField } from "../../src/model/reader.js";
import { createProcessContext } from "../../src/processes/context.js";
import { type LiveProcess, repeatDuringChurn, startProcess, unusedPid } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";

const procFs = openProcFs();
/** The same /proc, read without the native helper. */
const jsOnly: ProcFs = new Proxy(procFs, {
  get(target, property) {
    if (property === "native") return () => ({ module: null, reason: "turned off by the test" });
    const value = Reflect.get(target, property);
    return typeof value === "function" ? value.bind(target) : value;
  },
});

// Fields whose values do not move while a paused process sits (proportional memory moves when
// other processes map or unmap the same libraries, so it is left out).
const STEADY: ProcessField[] = PROCESS_FIELDS.filter((f) => !/cpu|Faults|CtxSwitches|Pss/i.test(f));

const PAUSE = `#include <stdio.h>
#include <unistd.h>
int main(void) { puts("ready"); fflush(stdout); pause(); return 0; }
`;

const sleepers: LiveProcess[] = [];
beforeAll(async () => {
  if (!nativeHelper().module) throw new Error(`the native helper is needed here: ${nativeHelper().reason}`);
  const pause = compileC("preread-pause", PAUSE);
  // A command line longer than the helper's first buffer, one in UTF-8, one with a newline and
  // a ")" as a hostile name would have. (One argument holds at most 128 KiB: four of 50 KB.)
  const long = Array.from({ length: 4 }, (_, i) => String(i).repeat(50_000));
  for (const args of [long, ["caf\u00e9 \u00e9t\u00e9"], ["a\nb) c"]]) sleepers.push(await startProcess(pause, args, { ready: "ready" }));
  // An argument that is not UTF-8 at all (byte 0xff), which only a shell can pass.
  sleepers.push(await startProcess("sh", ["-c", 'exec "$0" "$(printf "\\377x")"', pause], { ready: "ready" }));
});

afterAll(async () => {
  await Promise.all(sleepers.map((s) => s.kill()));
});

describe("the listing's read-ahead", () => {
  it("reads every field as the TypeScript reader does, for processes the test started", () => {
    const pids = sleepers.map((s) => s.pid);
    const native = listProcesses(createProcessContext(procFs), { fields: STEADY, pids });
    const plain = listProcesses(createProcessContext(jsOnly), { fields: STEADY, pids });
    expect(native.processes).toHaveLength(sleepers.length);
    expect(native.processes).toEqual(plain.processes);
    expect(native.skipped).toEqual(plain.skipped);
    // The 200 KB command line came through whole.
    expect((native.processes[0]?.cmdline ?? []).slice(-4).join("")).toHaveLength(200_000);
  });

  it("reads the whole machine's listing the same way", () => {
    // (Not comm: a kernel worker's name says which work queue it serves at that moment; not
    // threads, which a busy process starts and ends between listings.)
    const fields: ProcessField[] = ["cmdline", "uid", "user", "exe", "ppid", "tty", "kernelThread"];
    const key = (p: { pid: number; startTimeTicks: number }) => `${p.pid}@${p.startTimeTicks}`;
    const plainNow = () => new Map(listProcesses(createProcessContext(jsOnly), { fields }).processes.map((p) => [key(p), p]));
    const before = plainNow();
    const native = listProcesses(createProcessContext(procFs), { fields }).processes;
    const after = plainNow();
    // A process may exec, be renamed or reparented between listings: compare the ones that read
    // the same in the plain listings before and after the native one.
    let compared = 0;
    for (const p of native) {
      const [earlier, later] = [before.get(key(p)), after.get(key(p))];
      if (earlier === undefined || JSON.stringify(earlier) !== JSON.stringify(later)) continue;
      expect(p).toEqual(earlier);
      compared++;
    }
    expect(compared).toBeGreaterThan(native.length * 0.8);
  });

  it("leaves out a PID that does not exist, as the plain listing does, without counting it as unreadable", () => {
    const pids = [sleepers[1]?.pid as number, unusedPid(), sleepers[2]?.pid as number];
    const listing = listProcesses(createProcessContext(procFs), { fields: ["comm"], pids });
    expect(listing.processes.map((p) => p.pid)).toEqual([pids[0], pids[2]]);
    expect(listing.skipped.count).toBe(0);
  });

  it("refuses to read what it did not read ahead from a process that reused the PID", () => {
    const [first] = sleepers as [LiveProcess];
    // A /proc whose openProcess(first) lands on another process, as a reused PID would: PID 1,
    // which surely started in an earlier clock tick (two sleepers may share one).
    const reusing: ProcFs = new Proxy(procFs, {
      get(target, property) {
        if (property === "openProcess") return (pid: number, tid?: number) => target.openProcess(pid === first.pid ? 1 : pid, tid);
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const [record] = [...(prereadProcesses(reusing, [first.pid], ["stat", "status"]) ?? [])];
    expect(record?.dir).not.toBeNull();
    const dir = record?.dir;
    // Read ahead: from the process itself.
    expect(dir?.readText("status")).toContain(`Pid:\t${first.pid}\n`);
    // Not read ahead: the directory opened now belongs to another process, and it says so.
    expect(() => dir?.listDir("fd")).toThrow(ProcessGone);
    expect(() => dir?.listDir("fd")).toThrow(/reused/);
    dir?.close();
  });

  it("keeps listing while processes are created and exit around it", async () => {
    const context = createProcessContext(procFs);
    let listings = 0;
    await repeatDuringChurn(
      "/bin/true",
      () => {
        const listing = listProcesses(context, { fields: ["comm", "cmdline", "rssBytes", "user"] });
        expect(listing.processes.some((p) => p.pid === sleepers[0]?.pid)).toBe(true);
        listings++;
      },
      20,
    );
    expect(listings).toBeGreaterThanOrEqual(20);
  }, 120_000);
});
