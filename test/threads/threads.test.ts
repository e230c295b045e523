import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProcFs, type ProcFs } from "../../src/access/proc-fs.js";
import { readSystemInfo } from "../../src/access/system-info.js";
import { NotFound, ProcessGone } from "../../src/errors.js";
import { groupStacks } from "../../src/threads/group.js";
import { listThreads, readThreadStacks, type ThreadContext } from "../../src/threads/threads.js";
import { runCli } from "../helpers/cli.js";
import { type LiveProcess, startProcess, unusedPid } from "../helpers/live.js";
import { runAsNobody } from "../helpers/unprivileged.js";
import { waitUntil } from "../helpers/wait.js";
import { sleepersBinary, vanishingBinary } from "./_helpers.js";

const isRoot = process.geteuid?.() === 0;
const procFs = openProcFs();
const context: ThreadContext = { procFs, system: readSystemInfo(procFs) };

let sleepers: LiveProcess;
let tids: number[];

beforeAll(async () => {
  sleepers = await startProcess(sleepersBinary(), [], { ready: "ready" });
  tids = fs
    .readdirSync(`/proc/${sleepers.pid}/task`)
    .map(Number)
    .sort((a, b) => a - b);
});
// startProcess registers its own clean-up only when first called outside a hook.
afterAll(() => sleepers.kill());

/** Waits until every thread of `pid` sleeps in a system call (just after "ready" one may still run). */
async function settled(pid: number): Promise<void> {
  await waitUntil(
    `every thread of ${pid} in a system call`,
    () =>
      fs.readdirSync(`/proc/${pid}/task`).every((t) => !fs.readFileSync(`/proc/${pid}/task/${t}/syscall`, "utf8").startsWith("running")),
    { everyMs: 10 },
  );
}

describe("listThreads()", () => {
  it("lists the 5 threads of the sleeper, as ps -L does", async () => {
    await settled(sleepers.pid);
    const threads = listThreads(context, sleepers.pid);
    expect(tids).toHaveLength(5);
    expect(threads.map((t) => t.tid)).toEqual(tids);
    const psTids = execFileSync("ps", ["-L", "-o", "lwp=", "-p", String(sleepers.pid)], { encoding: "utf8" })
      .trim()
      .split(/\s+/)
      .map(Number)
      .sort((a, b) => a - b);
    expect(threads.map((t) => t.tid)).toEqual(psTids);
  });

  it("shows each sleeping thread in clock_nanosleep with a nanosleep wait channel", async () => {
    await settled(sleepers.pid);
    for (const thread of listThreads(context, sleepers.pid)) {
      expect(thread.state).toBe("S");
      expect(thread.pid).toBe(sleepers.pid);
      expect(thread.syscall?.state).toBe("syscall");
      // glibc's nanosleep() is clock_nanosleep on x86_64 and aarch64.
      expect(thread.syscall?.name).toBe("clock_nanosleep");
      expect(thread.syscall?.args).toHaveLength(6);
      expect(thread.wchan ?? "").toMatch(/nanosleep|schedule/);
      expect(thread.voluntaryCtxSwitches).toBeGreaterThanOrEqual(1);
      expect(thread.lastCpu).toBeGreaterThanOrEqual(0);
      const stat = fs.readFileSync(`/proc/${sleepers.pid}/task/${thread.tid}/stat`, "utf8");
      expect(thread.startTimeTicks).toBe(Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]));
    }
  });

  it("reads one thread with tid, and says NotFound for a TID of another process", () => {
    const one = listThreads(context, sleepers.pid, { tid: tids[2] as number });
    expect(one.map((t) => t.tid)).toEqual([tids[2]]);
    expect(() => listThreads(context, sleepers.pid, { tid: process.pid })).toThrow(NotFound);
    expect(() => listThreads(context, sleepers.pid, { tid: process.pid })).toThrow(/not a thread of process/);
  });

  it("does not read a kernel thread's zeroed registers as system call 0", () => {
    const kthread = fs
      .readdirSync("/proc")
      .filter((n) => /^\d+$/.test(n))
      .find((n) => {
        const stat = fs.readFileSync(`/proc/${n}/stat`, "utf8");
        return (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[6]) & 0x00200000) !== 0;
      });
    expect(kthread).toBeDefined();
    const raw = fs.readFileSync(`/proc/${kthread}/syscall`, "utf8");
    expect(raw).toMatch(/^0 0x0 /); // what the kernel shows
    const [thread] = listThreads(context, Number(kthread));
    expect(thread?.syscall).toMatchObject({ state: "none", name: null });
  });

  it("throws ProcessGone for a PID that does not exist", () => {
    expect(() => listThreads(context, unusedPid())).toThrow(ProcessGone);
  });
});

describe("readThreadStacks() and groupStacks()", () => {
  it.runIf(isRoot)("shows a nanosleep frame in every thread's kernel stack and groups the 5 identical stacks", async () => {
    await settled(sleepers.pid);
    const stacks = readThreadStacks(context, sleepers.pid);
    expect(stacks).toHaveLength(5);
    for (const t of stacks) {
      expect(t.stack?.some((f) => /nanosleep/.test(f.symbol ?? ""))).toBe(true);
      // The stack agrees with the kernel's own file, frame for frame.
      const raw = fs.readFileSync(`/proc/${sleepers.pid}/task/${t.tid}/stack`, "utf8");
      expect(t.stack?.map((f) => f.symbol)).toEqual(
        raw
          .trim()
          .split("\n")
          .map((l) => l.replace(/^\[<\w+>\] /, "").replace(/\+.*$/, "")),
      );
    }
    const groups = groupStacks(stacks);
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ count: 5, tids, syscall: "clock_nanosleep" });
  });

  it.runIf(isRoot)("stack --tid T prints one thread; --json groups identical stacks with a count", async () => {
    await settled(sleepers.pid);
    const one = await runCli(["stack", String(sleepers.pid), "--tid", String(tids[1])]);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(`Thread ${tids[1]} `);
    expect(one.stdout).toMatch(/syscall clock_nanosleep\(0x/);
    const json = await runCli(["stack", String(sleepers.pid), "--json"]);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc.groups[0].count).toBe(5);
    expect(doc.threads[0].syscall.args[2]).toMatch(/^0x[0-9a-f]+$/);
    const text = await runCli(["stack", String(sleepers.pid)]);
    expect(text.stdout).toMatch(/^5 threads \(/);
  });

  it("stack --tid with a TID of another process fails with one line and exit 1", async () => {
    const result = await runCli(["stack", String(sleepers.pid), "--tid", String(process.pid)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`procscope: thread ${process.pid} is not a thread of process ${sleepers.pid}\n`);
  });

  it("threads --json prints one Thread per tid; a bad PID is a usage error", async () => {
    const result = await runCli(["threads", String(sleepers.pid), "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).map((t: { tid: number }) => t.tid)).toEqual(tids);
    expect((await runCli(["threads", "abc"])).code).toBe(2);
    const gone = await runCli(["threads", String(unusedPid())]);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(/^procscope: (process \d+ exited|no such process \d+)\n$/);
  });
});

describe("threads that vanish while read", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-vanish-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A ProcFs that runs `before` the first time a chosen task directory is opened. */
  function hooked(tid: number, before: () => void): ProcFs {
    let fired = false;
    return new Proxy(procFs, {
      get(target, key, receiver) {
        if (key === "openProcess")
          return (pid: number, t?: number) => {
            if (t === tid && !fired) {
              fired = true;
              before();
            }
            return target.openProcess(pid, t);
          };
        const value = Reflect.get(target, key, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  function spinUntil(done: () => boolean): void {
    const end = Date.now() + 5000;
    while (!done()) if (Date.now() > end) throw new Error("timed out");
  }

  it("skips a thread that exits between the listing and its read", async () => {
    const live = await startProcess(vanishingBinary(), [dir], { ready: "ready" });
    const workers = (/tids (\d+) (\d+) (\d+) (\d+)/.exec(live.output()) ?? []).slice(1).map(Number);
    const victim = workers[1] as number;
    const fs2 = hooked(victim, () => {
      fs.writeFileSync(path.join(dir, "exit-1"), "");
      spinUntil(() => !fs.existsSync(`/proc/${live.pid}/task/${victim}`));
    });
    const threads = listThreads({ procFs: fs2, system: context.system }, live.pid);
    expect(threads.map((t) => t.tid)).toEqual([live.pid, ...workers.filter((t) => t !== victim)]);
    await live.kill();
  });

  it("skips the threads of a process that exits while they are read, and keeps the ones read before", async () => {
    // Started through a shell that exits at once, so init reaps it (no zombie of ours lingers).
    const sh = spawn("sh", ["-c", `${sleepersBinary()} >/dev/null & echo $!`], { stdio: ["ignore", "pipe", "inherit"] });
    const pid = Number(await new Promise<string>((resolve) => sh.stdout.on("data", (d) => resolve(String(d)))));
    await new Promise((resolve) => sh.once("exit", resolve));
    spinUntil(() => fs.existsSync(`/proc/${pid}/task`) && fs.readdirSync(`/proc/${pid}/task`).length === 5);
    const all = fs
      .readdirSync(`/proc/${pid}/task`)
      .map(Number)
      .sort((a, b) => a - b);
    const third = all[2] as number;
    const fs2 = hooked(third, () => {
      process.kill(pid, "SIGKILL");
      spinUntil(() => !fs.existsSync(`/proc/${pid}/task/${third}`));
    });
    const threads = listThreads({ procFs: fs2, system: context.system }, pid);
    expect(threads.map((t) => t.tid)).toEqual(all.slice(0, 2));
    // Once it is reaped, the next read says it exited.
    spinUntil(() => !fs.existsSync(`/proc/${pid}`));
    expect(() => listThreads(context, pid)).toThrow(ProcessGone);
  });
});

describe("stack without root", () => {
  it.runIf(isRoot)("exits 4 with a one-line reason when run as uid 65534", async () => {
    // A process of the same unprivileged user: ownership is not the obstacle, root is.
    const own = await startProcess("sleep", ["1000"], { uid: 65534, gid: 65534 });
    const result = await runAsNobody(["stack", String(own.pid)]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(
      /^procscope: cannot read "\/proc\/\d+\/task\/\d+\/stack": permission denied \(kernel stacks are readable only by root/,
    );
    expect(result.stderr.split("\n")).toHaveLength(2);
    // Someone else's process (root's sleeper): the same exit code.
    expect((await runAsNobody(["stack", String(sleepers.pid)])).code).toBe(4);
    // threads still works without root, with the fields it may read.
    const threads = await runAsNobody(["threads", String(own.pid), "--json"]);
    expect(threads.code).toBe(0);
    expect(JSON.parse(threads.stdout)[0].syscall.name).toBe("clock_nanosleep");
    await own.kill();
  });
});
