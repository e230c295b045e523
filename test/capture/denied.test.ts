/**
 * A capture keeps the kernel's refusals: a process whose fd/ lists but whose fd links are refused
 * (it holds capabilities the capturing session lacks: PID 1 in a container, here a C helper
 * against a CLI run without cap_sys_ptrace and cap_net_raw) reads back refused with the same
 * reason, not as a process with no open files; diff against now reports no fd-count change.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, type CliResult } from "../helpers/cli.js";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";

const base = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-capture-denied-"));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }), 180_000);

/** Holds 80 more fds (over diff's default fd threshold of 64), then waits. */
const MANY_FDS_C = String.raw`
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
  for (int i = 0; i < 80; i++) if (open("/dev/null", O_RDONLY) < 0) return 1;
  printf("ready\n");
  fflush(stdout);
  pause();
  return 0;
}
`;

/** The CLI without two capabilities the helper (started by root) holds: ptrace-mode reads of it are refused. */
function runWeakened(argv: readonly string[]): Promise<CliResult> {
  const { NODE_EXTRA_CA_CERTS: _ignored, ...env } = process.env;
  return new Promise((resolve) => {
    execFile(
      "setpriv",
      ["--bounding-set=-sys_ptrace,-net_raw", "--", process.execPath, BIN, ...argv],
      { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: 120_000, env },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** The reason in "procscope: cannot read "PATH": permission denied (REASON)". */
const reasonOf = (stderr: string) => /permission denied \((.*)\)$/m.exec(stderr)?.[1];

describe("capture of a process whose fd links the kernel refuses", () => {
  let helper: LiveProcess;
  const capture = path.join(base, "snap");

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error("this test needs root (the helper must hold capabilities the CLI lacks)");
    helper = await startProcess(compileC("capture-many-fds", MANY_FDS_C), [], { ready: "ready" });
    const captured = await runWeakened(["capture", "-o", capture]);
    expect(captured.code, captured.stderr).toBe(0);
  }, 180_000);

  it("fds PID --root exits 4 with the reason live gave, not an empty table", async () => {
    const pid = String(helper.pid);
    const live = await runWeakened(["fds", pid]);
    expect(live.code, live.stderr).toBe(4);
    expect(reasonOf(live.stderr)).toMatch(/holds capabilities this session lacks \(cap_net_raw, cap_sys_ptrace\)/);
    const captured = await runWeakened(["fds", pid, "--root", capture]);
    expect(captured.stdout).toBe("");
    expect(captured.code, captured.stderr).toBe(4);
    expect(captured.stderr).toMatch(new RegExp(`^procscope: cannot read "${capture}/proc/${pid}/fd/\\d+": permission denied`));
    expect(reasonOf(captured.stderr)).toBe(reasonOf(live.stderr));
  });

  it("lsof --root says errors.fds permission denied, as live", async () => {
    const lsof = async (extra: string[]) => {
      const result = await runWeakened(["lsof", "--pid", String(helper.pid), "--json", ...extra]);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as { fds: unknown; errors: Record<string, string> }[];
    };
    const [live] = await lsof([]);
    const [captured] = await lsof(["--root", capture]);
    expect(live?.errors.fds).toMatch(/^permission denied: /);
    expect(captured?.fds).toBeNull();
    expect(captured?.errors.fds).toBe(live?.errors.fds);
  });

  it("diff CAPTURE against now reports no fd-count change for it", async () => {
    const result = await runWeakened(["diff", capture, "--no-findings", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const diff = JSON.parse(result.stdout) as { changed: { pid: number; field: string }[]; ended: { pid: number }[] };
    expect(diff.ended.map((p) => p.pid)).not.toContain(helper.pid);
    expect(diff.changed.filter((c) => c.pid === helper.pid)).toEqual([]);
  });
});
