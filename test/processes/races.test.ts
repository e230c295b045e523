import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { AccessDenied, ProcessGone, Unavailable } from "../../src/errors.js";
import { listProcesses as listFields } from "../../src/model/reader.js";
import { createProcessContext } from "../../src/processes/context.js";
import { getProcessDetails } from "../../src/processes/details.js";
import { PROCESS_SHAPE_FIELDS, getProcess as readProcess } from "../../src/processes/process.js";
import { runBin } from "../helpers/cli.js";
import { type FaultRule, faultyProcFs } from "../helpers/faulty-procfs.js";
import { FIXTURE_PROC, fixtureInfo } from "../helpers/fixtures.js";
import { repeatDuringChurn, startProcess } from "../helpers/live.js";

const { parenComm, zombieParent } = fixtureInfo.special;

/** The Process shape of every listed process, and the reasons of those skipped. */
function listProcesses(context: Parameters<typeof listFields>[0], options: { onSkip?: (pid: number, error: Error) => void } = {}) {
  const listing = listFields(context, { fields: PROCESS_SHAPE_FIELDS });
  if (options.onSkip)
    for (const [reason, n] of Object.entries(listing.skipped.reasons)) for (let i = 0; i < n; i++) options.onSkip(0, new Error(reason));
  return listing.processes;
}

function contextWith(rule: FaultRule) {
  const base = createProcessContext(openProcFs(FIXTURE_PROC));
  return { ...base, procFs: faultyProcFs(base.procFs, rule) };
}

describe("fault injection on a captured tree", () => {
  it("listProcesses() skips a process whose directory vanished after readdir", () => {
    const context = contextWith((pid, name) => (pid === parenComm && name === "" ? new ProcessGone(pid) : undefined));
    const pids = listProcesses(context).map((p) => p.pid);
    expect(pids).not.toContain(parenComm);
    expect(pids).toContain(zombieParent);
  });

  it("listProcesses() skips a process that exits between its stat and its cmdline", () => {
    const skipped: number[] = [];
    const context = contextWith((pid, name) => (pid === parenComm && name === "cmdline" ? new ProcessGone(pid) : undefined));
    const pids = listProcesses(context, { onSkip: (pid) => skipped.push(pid) }).map((p) => p.pid);
    expect(pids).not.toContain(parenComm);
    // Exiting is normal: not a skip to report.
    expect(skipped).toEqual([]);
  });

  it("listProcesses() keeps a process whose cmdline is denied, with the reason", () => {
    const context = contextWith((pid, name) =>
      pid === parenComm && name === "cmdline" ? new AccessDenied(`/proc/${pid}/cmdline`, "not root") : undefined,
    );
    const row = listProcesses(context).find((p) => p.pid === parenComm);
    expect(row?.cmdline).toBeNull();
    expect(row?.errors.cmdline).toBe("permission denied: not root");
    expect(row?.comm).toBe("a) (b");
  });

  it("getProcessDetails() reports a missing statm-like file as unavailable, not as an exit", () => {
    const context = contextWith((pid, name) =>
      pid === parenComm && name === "io" ? new Unavailable(`"/proc/${pid}/io" does not exist`) : undefined,
    );
    const details = getProcessDetails(context, parenComm);
    expect(details.io).toBeNull();
    expect(details.errors.io).toMatch(/does not exist/);
    expect(details.limits).not.toBeNull();
  });

  it("getProcessDetails() stops with ProcessGone when the process exits mid-read", () => {
    const context = contextWith((pid, name) => (pid === parenComm && name === "limits" ? new ProcessGone(pid) : undefined));
    expect(() => getProcessDetails(context, parenComm)).toThrow(ProcessGone);
  });

  it("getProcessDetails() throws for a required field it cannot read", () => {
    const context = contextWith((pid, name) =>
      pid === parenComm && name === "environ" ? new AccessDenied(`/proc/${pid}/environ`, "not root") : undefined,
    );
    expect(() => getProcessDetails(context, parenComm, { require: ["environ"] })).toThrow(AccessDenied);
    expect(getProcessDetails(context, parenComm).errors.environ).toBe("permission denied: not root");
  });

  it("a stray non-proc error still surfaces (a bug is not silently skipped)", () => {
    const context = contextWith((pid, name) => (pid === parenComm && name === "stat" ? new TypeError("bug") : undefined));
    expect(() => listProcesses(context)).toThrow(TypeError);
  });
});

/** Sets the PID the kernel hands out next (root only; may lose a race with other forks). */
function setNextPid(pid: number): void {
  fs.writeFileSync("/proc/sys/kernel/ns_last_pid", String(pid - 1));
}

describe("PID reuse on the live system", () => {
  it("a handle opened on one process reads as gone once its PID belongs to another", async () => {
    const context = createProcessContext(openProcFs());
    let reused = false;
    for (let attempt = 0; attempt < 20 && !reused; attempt++) {
      const first = await startProcess("sleep", ["30"]);
      const pid = first.pid;
      const dir = context.procFs.openProcess(pid);
      try {
        expect(dir.readText("comm")).toBe("sleep\n");
        await first.kill();
        setNextPid(pid);
        const second = await startProcess("cat", [], { stdio: ["pipe", "pipe", "inherit"] });
        if (second.pid !== pid) {
          await second.kill();
          continue; // another process took the PID first; try again
        }
        reused = true;
        expect(() => dir.readText("comm")).toThrow(ProcessGone);
        expect(() => dir.readBytes("cmdline")).toThrow(ProcessGone);
        // A fresh read by PID sees the new process.
        expect(readProcess(context, pid).comm).toBe("cat");
        await second.kill();
      } finally {
        dir.close();
      }
    }
    expect(reused).toBe(true);
  });
});

describe("listing under churn", () => {
  it("lists hundreds of times while processes start and exit, with no errors", async () => {
    const context = createProcessContext(openProcFs());
    const skipped: string[] = [];
    await repeatDuringChurn(
      "/bin/true & /bin/true & wait",
      () => {
        const rows = listProcesses(context, { onSkip: (pid, error) => skipped.push(`${pid}: ${error.message}`) });
        for (const row of rows) {
          expect(row.pid).toBeGreaterThan(0);
          expect(row.startTime).not.toBeNull();
        }
      },
      30,
      async () => {
        // And the real binary copes too.
        const results = await Promise.all([0, 1, 2, 3].map(() => runBin(["ps", "--json"])));
        for (const result of results) {
          expect(result.stderr).toBe("");
          expect(result.code).toBe(0);
          expect(JSON.parse(result.stdout).length).toBeGreaterThan(10);
        }
      },
    );
    expect(skipped).toEqual([]);
  });
});
