/**
 * hidepid, as an unprivileged user: listings skip what /proc will not show and say so in one line;
 * commands about one hidden process say hidepid (exit 4), never that it exited (exit 3). Each run
 * mounts its own /proc in a private mount namespace, so the host's /proc is never changed.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CliResult } from "../helpers/cli.js";
import { runAsNobody, type UnprivilegedOptions, unprivilegedCommand } from "../helpers/unprivileged.js";

const outputs: string[] = [];
afterAll(() => {
  for (const dir of outputs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A path under the temp dir that nobody may create (the commands that write make it themselves). */
function newOutput(name: string): string {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-hidepid-"));
  fs.chmodSync(parent, 0o777);
  outputs.push(parent);
  return path.join(parent, name);
}

/** Commands that look at every process and used to say nothing about those they could not read. */
const SILENT_LISTINGS: readonly (readonly [string, () => string[]])[] = [
  ["recover --deleted", () => ["recover", "--deleted", "-o", newOutput("recovered")]],
  ["capture", () => ["capture", "-o", newOutput("capture")]],
  ["net", () => ["net"]],
  ["search --all", () => ["search", "--all", "no-such-text-anywhere-8d1f"]],
  ["blocked", () => ["blocked"]],
];

/** Runs `watch` until its header is out (it is ready), then stops it with SIGINT as a user would. */
function runWatch(options: UnprivilegedOptions): Promise<CliResult> {
  const [command, args, env] = unprivilegedCommand(["watch", "--exits", "--interval", "50"], options);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd: "/" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes("COMMAND\n")) child.kill("SIGINT");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal === null ? 1 : 128), stdout, stderr }));
  });
}

/** Never a stack trace, never "exited" for a process that is only hidden. */
function expectNoCrash(result: CliResult): void {
  expect(result.stderr).not.toMatch(/\n\s+at |TypeError|ReferenceError/);
  expect(result.stderr).not.toMatch(/exited/);
}

/** The last line on stderr names the processes that could not be read, or hidepid hiding them. */
function expectSkippedLine(stderr: string, why: RegExp): void {
  const last = stderr.trim().split("\n").at(-1) ?? "";
  expect(last).toMatch(/\d+ (process(es)?|files of the processes captured) could not be read|other users' processes are not listed/);
  expect(last).toMatch(why);
}

describe.each([1, 2] as const)("as uid 65534 on a hidepid=%i /proc", (hidepid) => {
  it.each([["show"], ["audit"], ["tree"], ["fds"], ["maps"], ["threads"]])(
    "%s 1 says hidepid and exits 4, not 'exited'",
    async (command) => {
      const result = await runAsNobody([command, "1"], { hidepid });
      expect(result.code).toBe(4);
      expect(result.stderr).toMatch(/hidepid/);
      expect(result.stderr).not.toMatch(/exited/);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    },
  );

  it.each([["ps"], ["tree"], ["top", "--once", "--interval", "50"]])(
    "%s lists the user's own processes and ends with one line on what it could not see",
    async (...argv) => {
      const result = await runAsNobody([...argv, "--json"], { hidepid });
      expect(result.code).toBe(0);
      const lines = result.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/hidepid/);
      expect(result.stdout).toMatch(/procscope/);
    },
  );

  it.each(SILENT_LISTINGS)("%s ends with one line on the processes it could not read", async (_name, argv) => {
    const result = await runAsNobody(argv(), { hidepid });
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(0);
    expectSkippedLine(result.stderr, /hidepid/);
  });

  it("watch says first that other users' processes are not reported, and stops cleanly", async () => {
    const result = await runWatch({ hidepid });
    expectNoCrash(result);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/hidepid.*not reported/)]);
  });

  it.each([["lsof"], ["net"], ["peers"], ["progress"]])("%s does not stop at the first hidden process", async (command) => {
    const result = await runAsNobody([command], { hidepid });
    expect(result.stderr).not.toMatch(/cannot read "\/proc\/1"/);
    expect(result.code).toBe(0);
  });

  it("audit calls no other user's process hidden, and says its cross-views did not run", async () => {
    const result = await runAsNobody(["audit", "--rules", "hidden-process", "--json"], { hidepid });
    expect(result.code).toBe(0);
    const findings = JSON.parse(result.stdout) as { severity: string; evidence: { view: string } }[];
    expect(findings.filter((f) => f.severity !== "info")).toEqual([]);
    expect(findings.map((f) => f.evidence.view)).toEqual(["hidepid"]);
  });
});

describe("as uid 65534 on a /proc without hidepid", () => {
  // blocked reads only stat files, which every user may read there.
  it.each(SILENT_LISTINGS.filter(([name]) => name !== "search --all" && name !== "blocked"))(
    "%s ends with one line on the other users' processes it could not read",
    async (_name, argv) => {
      const result = await runAsNobody(argv());
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.code).toBe(0);
      expectSkippedLine(result.stderr, /another user's|not root|permission denied/);
    },
  );
});

describe("as root on a hidepid=2 /proc", () => {
  it.each([["show"], ["audit"], ["tree"], ["fds"], ["maps"], ["threads"]])(
    "%s of a root process reads it (hidepid does not apply to root; not PID 1, which in a container may hold capabilities root lacks)",
    async (command) => {
      const result = await runAsNobody([command, String(process.pid), "--json"], { hidepid: 2, asRoot: true });
      expectNoCrash(result);
      expect(result.code).toBe(0);
      expect(result.stderr).not.toMatch(/hidepid/);
      expect(result.stdout).not.toBe("");
    },
  );

  it.each([["ps"], ["lsof"]])("%s lists other users' processes and says nothing of hidepid", async (command) => {
    const result = await runAsNobody([command, "--json"], { hidepid: 2, asRoot: true });
    expectNoCrash(result);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/hidepid/);
    expect(result.stdout).toMatch(/"pid": ?1\b/);
  });

  it("watch starts without a word on hidepid", async () => {
    const result = await runWatch({ hidepid: 2, asRoot: true });
    expectNoCrash(result);
    expect(result.stderr).toBe("");
  });
});

describe("as uid 65534 on a /proc without hidepid: another user's process is there, partly unreadable", () => {
  it.each([
    [["show", "1"], 0],
    [["audit", "1"], 0],
    [["tree", "1"], 0],
    [["threads", "1"], 0],
    [["fds", "1"], 4],
    [["maps", "1"], 4],
  ] as const)("%j exits %i, never 'exited'", async (argv, code) => {
    const result = await runAsNobody(argv);
    expectNoCrash(result);
    expect(result.code).toBe(code);
    expect(result.stderr).not.toMatch(/hidepid/);
    if (code === 4)
      expect(result.stderr.trim()).toMatch(/^procscope: cannot read "\/proc\/1\/\w+": permission denied \(another user's process/);
  });

  it("watch starts without a word on hidepid", async () => {
    const result = await runWatch({});
    expectNoCrash(result);
    expect(result.stderr).not.toMatch(/hidepid/);
  });
});
