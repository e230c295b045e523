/**
 * As a user who cannot look at other users' processes, progress, lsof --deleted and peers used to
 * print "nothing" (no file moving, 0 bytes deleted, an empty table) with no word about the hundreds
 * of processes they could not read. They end, as ps and search --all do, with one line on stderr
 * counting the unreadable processes and saying why; JSON keeps its framing (the notice is on stderr).
 * Root processes started here hold exactly what each command looks for.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { runAsNobody } from "../helpers/unprivileged.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "psc-unreadable-"));
const held: LiveProcess[] = [];

beforeAll(async () => {
  fs.chmodSync(dir, 0o700); // root's: nobody cannot see the files either
  const deleted = path.join(dir, "deleted");
  fs.writeFileSync(deleted, Buffer.alloc(64 * 1024, 1));
  // A root process holding a deleted file, two root processes joined by a pipe, one reading slowly.
  held.push(await startProcess("sh", ["-c", `exec 3<'${deleted}'; echo ready; exec sleep 1000`], { ready: "ready" }));
  fs.unlinkSync(deleted);
  held.push(await startProcess("sh", ["-c", "echo ready; sleep 1000 | sleep 1000"], { ready: "ready" }));
  const big = path.join(dir, "big");
  fs.writeFileSync(big, Buffer.alloc(4 * 1024 * 1024));
  held.push(
    await startProcess(
      "sh",
      ["-c", `echo ready; while :; do dd if='${big}' bs=4k count=1024 iflag=direct status=none | (while read -r _; do :; done) ; done`],
      { ready: "ready" },
    ),
  );
});
afterAll(async () => {
  await Promise.all(held.map((p) => p.kill()));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** "N processes could not be read (permission denied: another user's process (uid 0); not root: M…)". */
function unreadableCount(stderr: string): number {
  const match = /(\d+) process(?:es)? could not be read \(permission denied: another user's process \(uid 0\); not root: (\d+)/.exec(
    stderr,
  );
  expect(match, stderr).not.toBeNull();
  return Number(match?.[1]);
}

describe.skipIf(process.getuid?.() !== 0)("listings as uid 65534 say how many processes they could not read", () => {
  it("lsof --deleted: the table and the JSON array, with the count on stderr", async () => {
    const table = await runAsNobody(["lsof", "--deleted"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/total: /);
    expect(unreadableCount(table.stderr)).toBeGreaterThanOrEqual(held.length);
    const json = await runAsNobody(["lsof", "--deleted", "--json"]);
    expect(json.code).toBe(0);
    expect(Array.isArray(JSON.parse(json.stdout))).toBe(true);
    expect(unreadableCount(json.stderr)).toBeGreaterThanOrEqual(held.length);
  });

  it("peers", async () => {
    const result = await runAsNobody(["peers", "--json"]);
    expect(result.code).toBe(0);
    expect(Array.isArray(JSON.parse(result.stdout))).toBe(true);
    expect(unreadableCount(result.stderr)).toBeGreaterThanOrEqual(held.length);
  });

  it("progress", async () => {
    const result = await runAsNobody(["progress", "--interval", "50"]);
    expect(result.code).toBe(0);
    expect(unreadableCount(result.stderr)).toBeGreaterThanOrEqual(held.length);
    const json = await runAsNobody(["progress", "--interval", "50", "--json"]);
    expect(JSON.parse(json.stdout)).toHaveProperty("files");
    expect(unreadableCount(json.stderr)).toBeGreaterThanOrEqual(held.length);
  });

  it("under hidepid=2 they say the other users' processes are not listed", async () => {
    const result = await runAsNobody(["lsof", "--deleted"], { hidepid: 2 });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/hidepid=(2|invisible): other users' processes are not listed/);
  });
});
