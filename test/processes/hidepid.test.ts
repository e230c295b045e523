/**
 * hidepid, as an unprivileged user: listings skip what /proc will not show and say so in one line;
 * commands about one hidden process say hidepid (exit 4), never that it exited (exit 3). Each run
 * mounts its own /proc in a private mount namespace, so the host's /proc is never changed.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runAsNobody } from "../helpers/unprivileged.js";

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

/** The last line on stderr names the processes that could not be read, or hidepid hiding them. */
function expectSkippedLine(stderr: string, why: RegExp): void {
  const last = stderr.trim().split("\n").at(-1) ?? "";
  expect(last).toMatch(/\d+ (process(es)?|files of the processes captured) could not be read|other users' processes are not listed/);
  expect(last).toMatch(why);
}

describe.each([1, 2] as const)("as uid 65534 on a hidepid=%i /proc", (hidepid) => {
  it.each([["show"], ["audit"], ["tree"]])("%s 1 says hidepid and exits 4, not 'exited'", async (command) => {
    const result = await runAsNobody([command, "1"], { hidepid });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/hidepid/);
    expect(result.stderr).not.toMatch(/exited/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

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
