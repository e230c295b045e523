/**
 * Another project's captured /proc tree (prometheus/procfs test fixtures), awkward on purpose:
 * process directories holding one or two files, a comm of "(a b ) ( c d) ", a stat file with a
 * second line appended, a tree without /proc/uptime.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { peerProc } from "../helpers/fixtures.js";

describe("the peer fixture tree through the CLI", () => {
  it("lists the processes that have a stat file and skips the rest without error", async () => {
    const result = await runCli(["ps", "--json", "--root", peerProc()]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as { pid: number; comm: string; cpuPercent: number | null; errors: Record<string, string> }[];
    expect(rows.map((r) => r.pid)).toEqual([584, 26231, 26232, 27079]);
    expect(rows.find((r) => r.pid === 584)?.comm).toBe("(a b ) ( c d) ");
    // No /proc/uptime in this tree: %CPU is unknown, and says why.
    expect(rows[0]?.cpuPercent).toBeNull();
    expect(rows[0]?.errors.cpuPercent).toMatch(/uptime/);
  });

  it("shows one process, with a reason for each file the tree lacks", async () => {
    const result = await runCli(["show", "26231", "--json", "--root", peerProc()]);
    expect(result.code).toBe(0);
    const d = JSON.parse(result.stdout);
    expect(d.cmdline).toEqual(["vim", "test.go", "+10"]);
    expect(d.exe).toBe("/usr/bin/vim");
    expect(d.cwd).toBe("/usr/bin");
    expect(d.environ.HOME).toBe("/root");
    expect(d.oomScore).toBeNull();
    expect(d.errors.oomScore).toMatch(/oom_score" does not exist/);
    expect(d.limits.length).toBeGreaterThan(10);
    // Its io file says cancelled_write_bytes: -1024, which no kernel prints (%llu): refused, with why.
    expect(d.io).toBeNull();
    expect(d.errors.io).toMatch(/cannot parse .*26231\/io/);
  });

  it("treats a directory without stat as a process that is gone", async () => {
    const result = await runCli(["show", "26234", "--root", peerProc()]);
    expect(result.code).toBe(3);
    // Its directory is there, so it existed: it exited (not "no such process").
    expect(result.stderr).toBe("procscope: process 26234 exited\n");
  });

  it("gives an overview of what the tree has", async () => {
    const result = await runCli(["sys", "--json", "--root", peerProc()]);
    expect(result.code).toBe(0);
    const overview = JSON.parse(result.stdout);
    expect(overview.cpus.count).toBe(8);
    expect(overview.kernel).toBeNull();
    expect(overview.errors.kernel).toMatch(/version" does not exist/);
  });
});
