import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { readSystemInfo } from "../../src/access/system-info.js";
import { listBlocked } from "../../src/threads/blocked.js";
import { runCli } from "../helpers/cli.js";
import { startProcess } from "../helpers/live.js";
import { vforkBinary } from "./_helpers.js";

const isRoot = process.geteuid?.() === 0;

describe("listBlocked() on the live system", () => {
  it("finds a vfork parent, which waits in state D, with its wchan, syscall and stack", async () => {
    const live = await startProcess(vforkBinary(), [], { ready: "ready" });
    try {
      const parent = Number(/parent (\d+)/.exec(live.output())?.[1]);
      expect(parent).toBe(live.pid);
      const procFs = openProcFs();
      const tasks = listBlocked({ procFs, system: readSystemInfo(procFs) });
      const task = tasks.find((t) => t.pid === parent);
      expect(task).toBeDefined();
      expect(task?.state).toBe("D");
      expect(task?.tid).toBe(parent);
      expect(task?.syscall?.name).toBe("vfork");
      expect(task?.wchan).toBe(fs.readFileSync(`/proc/${parent}/wchan`, "utf8"));
      expect(task?.blockedForSeconds).toBeGreaterThanOrEqual(0);
      // Every listed task really is in D (the kernel's own word).
      for (const t of tasks) expect(["D", undefined]).toContain(readState(t.pid, t.tid));
      if (isRoot) {
        expect(task?.stack?.some((f) => /vfork|kernel_clone|wait_for_completion/.test(f.symbol ?? ""))).toBe(true);
        const cli = await runCli(["blocked"]);
        expect(cli.code).toBe(0);
        expect(cli.stdout).toContain(`PID ${parent} TID ${parent} (`);
        expect(cli.stdout).toMatch(/syscall vfork\(0x/);
      }
    } finally {
      // The vfork child sleeps on with our stdout pipe: end it too.
      const children = fs.readFileSync(`/proc/${live.pid}/task/${live.pid}/children`, "utf8").trim().split(" ").filter(Boolean);
      for (const child of children) process.kill(Number(child), "SIGKILL");
      await live.kill();
    }
  });
});

function readState(pid: number, tid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return undefined; // exited since
  }
}

describe("blocked --root on a captured tree", () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-blocked-"));
  const root = path.join(base, "proc");
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  // A stat line captured from the vfork parent above, with field 42 (delayacct_blkio_ticks) = 250.
  const statLine = (pid: number, state: string, comm: string): string =>
    `${pid} (${comm}) ${state} 1 ${pid} ${pid} 0 -1 4194560 81 0 0 0 0 0 0 0 20 0 1 0 64998 2580480 351 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 250 0 0 0 0 0 0 0 0 0 0\n`;
  const sched = (comm: string, pid: number, execStart: string): string =>
    `${comm} (${pid}, #threads: 1)\n---------------------------------------------------------\nse.exec_start                                :   ${execStart}\nnr_switches                                  :                    3\n`;

  function task(pid: number, state: string, comm: string, files: Record<string, string>): void {
    const dir = path.join(root, String(pid), "task", String(pid));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(root, String(pid), "stat"), statLine(pid, state, comm));
    fs.writeFileSync(path.join(dir, "stat"), statLine(pid, state, comm));
    fs.writeFileSync(
      path.join(dir, "status"),
      `Name:\t${comm}\nState:\t${state}\nvoluntary_ctxt_switches:\t3\nnonvoluntary_ctxt_switches:\t1\n`,
    );
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  }

  fs.mkdirSync(root, { recursive: true });
  fs.copyFileSync("/proc/stat", path.join(root, "stat"));
  fs.copyFileSync("/proc/uptime", path.join(root, "uptime"));
  fs.mkdirSync(path.join(root, "thread-self"));
  fs.writeFileSync(path.join(root, "thread-self", "sched"), sched("node", 1, "200000.000000"));
  task(4242, "D", "stuck\u001b[31m", {
    wchan: "folio_wait_bit_common",
    syscall: "0 0x3 0x7f0000001000 0x20000 0x0 0x0 0x0 0x7ffc00001000 0x7f0000002000\n",
    stack: "[<0>] folio_wait_bit_common+0x13d/0x350\n[<0>] filemap_read+0x1a2/0x350 [cifs]\n[<0>] vfs_read+0xbb/0x360\n",
    sched: sched("stuck", 4242, "110000.500000"),
  });
  task(4343, "S", "sleeper", { wchan: "do_select", syscall: "running\n", stack: "", sched: sched("sleeper", 4343, "1.0") });

  it("lists only the D task, how long since it ran, its block I/O delay, wchan, syscall and stack", async () => {
    const procFs = openProcFs(root);
    const tasks = listBlocked({ procFs, system: readSystemInfo(procFs) });
    expect(tasks.map((t) => t.pid)).toEqual([4242]);
    const t = tasks[0];
    expect(t?.blockedForSeconds).toBeCloseTo(89.9995, 3);
    expect(t?.blkioDelaySeconds).toBe(2.5);
    expect(t?.wchan).toBe("folio_wait_bit_common");
    expect(t?.syscall?.name).toBe(process.arch === "x64" ? "read" : "io_setup");
    expect(t?.stack?.[1]).toEqual({ address: null, symbol: "filemap_read", offsetBytes: 0x1a2, sizeBytes: 0x350, module: "cifs" });
    const cli = await runCli(["blocked", "--root", root]);
    expect(cli.code).toBe(0);
    expect(cli.stdout.split("\n")[0]).toBe(
      `PID 4242 TID 4242 (stuck\\x1b[31m) state D for 1:29, wchan folio_wait_bit_common, syscall ${process.arch === "x64" ? "read" : "io_setup"}(0x3, 0x7f0000001000, 0x20000, 0x0, 0x0, 0x0), block I/O delay 2.50s`,
    );
    expect(cli.stdout).toContain("    filemap_read+0x1a2/0x350 [cifs]\n");
    const json = JSON.parse((await runCli(["blocked", "--root", root, "--json"])).stdout);
    expect(json[0].syscall.args[1]).toBe("0x7f0000001000");
  });

  it("says so when nothing is blocked", async () => {
    fs.writeFileSync(path.join(root, "4242", "task", "4242", "stat"), statLine(4242, "S", "stuck"));
    const cli = await runCli(["blocked", "--root", root]);
    expect(cli).toEqual({ code: 0, stdout: "No task is in uninterruptible sleep (state D).\n", stderr: "" });
  });
});

describe("stack on a kernel without stack files", () => {
  it("says the kernel does not offer kernel stacks, exit 1", async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-nostack-"));
    try {
      const root = path.join(base, "proc");
      fs.mkdirSync(path.join(root, "77", "task", "77"), { recursive: true });
      fs.copyFileSync("/proc/stat", path.join(root, "stat"));
      fs.copyFileSync("/proc/uptime", path.join(root, "uptime"));
      const line = `77 (nostack) S 1 77 77 0 -1 4194560 81 0 0 0 0 0 0 0 20 0 1 0 64998 2580480 351 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n`;
      fs.writeFileSync(path.join(root, "77", "stat"), line);
      fs.writeFileSync(path.join(root, "77", "task", "77", "stat"), line);
      fs.writeFileSync(path.join(root, "77", "task", "77", "syscall"), "running\n");
      const cli = await runCli(["stack", "77", "--root", root]);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toBe(
        `procscope: this kernel does not offer kernel stacks: "${root}/77/task/77/stack" is missing (CONFIG_STACKTRACE)\n`,
      );
      // threads still lists it, with reasons for what the tree lacks.
      const threads = JSON.parse((await runCli(["threads", "77", "--root", root, "--json"])).stdout);
      expect(threads[0]).toMatchObject({ tid: 77, comm: "nostack", wchan: null, syscall: { state: "running" } });
      expect(threads[0].errors.wchan).toMatch(/does not exist/);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});
