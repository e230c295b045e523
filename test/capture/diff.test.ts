/**
 * `diff BEFORE AFTER` on two captures that differ in known ways: a capture of the fixture tree,
 * and a copy of it changed by hand (a process ended, a PID reused, a command line and an
 * executable changed, RSS and fd count grown past the thresholds, a new listener, a new deleted
 * file held open, a new audit finding). Each change must be reported, and nothing else.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { capture } from "../../src/capture/capture.js";
import { runCli } from "../helpers/cli.js";
import { FIXTURE_PROC } from "../helpers/fixtures.js";

const base = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-diff-"));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

const before = path.join(base, "before");
const after = path.join(base, "after");
/** User processes of the capture with an fd directory, ascending. */
let users: number[] = [];

function proc(root: string, ...parts: (string | number)[]): string {
  return path.join(root, "proc", ...parts.map(String));
}

/** The stat line with field 22 (starttime) replaced. */
function withStartTime(stat: string, ticks: number): string {
  const close = stat.lastIndexOf(")");
  const fields = stat
    .slice(close + 2)
    .trimEnd()
    .split(" ");
  fields[19] = String(ticks); // fields after comm start at (3) state: (22) is index 19
  return `${stat.slice(0, close + 2)}${fields.join(" ")}\n`;
}

beforeAll(async () => {
  await capture(openProcFs(FIXTURE_PROC), before, { version: "test" });
  fs.cpSync(before, after, { recursive: true, verbatimSymlinks: true });
  users = fs
    .readdirSync(path.join(before, "proc"))
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => fs.existsSync(proc(before, pid, "fd")) && fs.readlinkSync(proc(before, pid, "exe")).startsWith("/usr/"))
    .sort((a, b) => a - b);
  expect(users.length).toBeGreaterThanOrEqual(6);
}, 60_000);

describe("diff of two captures", () => {
  it("is empty between a capture and its unchanged copy", async () => {
    const result = await runCli(["diff", before, after, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      started: [],
      ended: [],
      changed: [],
      newListeners: [],
      newDeletedFiles: [],
      newFindings: [],
    });
  });

  it("names each change: ended, a reused PID as ended and started, cmdline, exe, RSS, fd count, listener, deleted file, finding", async () => {
    const [gone, reused, retitled, grown, opener, moved] = users as [number, number, number, number, number, number];
    fs.rmSync(proc(after, gone), { recursive: true });
    const stat = fs.readFileSync(proc(after, reused, "stat"), "latin1");
    const oldTicks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    fs.writeFileSync(proc(after, reused, "stat"), withStartTime(stat, oldTicks + 500));
    fs.writeFileSync(proc(after, retitled, "cmdline"), "retitled\0--now\0");
    // Resident memory is statm's second field, in pages: 100 MiB more.
    const statm = fs
      .readFileSync(proc(after, grown, "statm"), "latin1")
      .trim()
      .split(" ")
      .map(Number);
    statm[1] = (statm[1] as number) + (100 * 1024 * 1024) / 4096;
    fs.writeFileSync(proc(after, grown, "statm"), `${statm.join(" ")}\n`);
    for (let fd = 1000; fd < 1070; fd++) fs.symlinkSync("/dev/null", proc(after, opener, "fd", fd));
    fs.symlinkSync("/var/tmp/dropped.bin (deleted)", proc(after, opener, "fd", 1070));
    fs.rmSync(proc(after, moved, "exe"));
    fs.symlinkSync("/tmp/.x/payload", proc(after, moved, "exe"));
    // proc/net: a symlink to the capturing process's namespace's tables, or (here) a directory.
    const tcp = path.join(fs.realpathSync(proc(after, "net")), "tcp");
    fs.appendFileSync(
      tcp,
      "  99: 00000000:115C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 987654 1 0000000000000000 100 0 0 10 0\n",
    );

    const result = await runCli(["diff", before, after, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const diff = JSON.parse(result.stdout);
    const pids = (list: { pid: number }[]) => list.map((p) => p.pid).sort((a, b) => a - b);
    expect(pids(diff.ended)).toEqual([gone, reused].sort((a, b) => a - b));
    expect(diff.started).toEqual([expect.objectContaining({ pid: reused, startTimeTicks: oldTicks + 500 })]);
    expect(diff.changed.map((c: { pid: number; field: string }) => [c.pid, c.field]).sort()).toEqual(
      [
        [retitled, "cmdline"],
        [grown, "rssBytes"],
        [opener, "fdCount"],
        [moved, "exe"],
      ].sort(),
    );
    expect(diff.changed.find((c: { field: string }) => c.field === "cmdline").after).toEqual(["retitled", "--now"]);
    expect(diff.changed.find((c: { field: string }) => c.field === "exe")).toMatchObject({ after: "/tmp/.x/payload" });
    expect(diff.newListeners).toEqual([{ protocol: "tcp", address: "0.0.0.0", port: 4444, path: null, owners: [] }]);
    expect(diff.newDeletedFiles).toEqual([expect.objectContaining({ pid: opener, fd: 1070, path: "/var/tmp/dropped.bin" })]);
    expect(diff.newFindings.map((f: { rule: string; pid: number }) => [f.rule, f.pid])).toEqual([["tmp-exe", moved]]);

    const text = await runCli(["diff", before, after]);
    expect(text.code, text.stderr).toBe(0);
    for (const needle of [String(gone), "retitled --now", "/tmp/.x/payload", "4444", "/var/tmp/dropped.bin", "tmp-exe"])
      expect(text.stdout).toContain(needle);
  });
});
