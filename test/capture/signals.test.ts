/**
 * SIGTERM mid-way leaves nothing behind: `capture -o x.tar.gz` (its staging directory holds the
 * unredacted environs with --with-secrets), `capture -o DIR` (a partial capture), and `--root
 * x.tar.gz` (the extracted copy under TMPDIR). Each waits for its directory to appear, then sends
 * the signal; the process must die of it (so it really was mid-way) with nothing left.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";
import { waitUntil } from "../helpers/wait.js";

const base = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-capture-signals-"));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }), 180_000);

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill("SIGKILL");
});

function start(argv: readonly string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; exited: Promise<NodeJS.Signals | number> } {
  const { NODE_EXTRA_CA_CERTS: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, ...argv], { stdio: ["ignore", "ignore", "pipe"], env: { ...inherited, ...env } });
  running.add(child);
  const exited = new Promise<NodeJS.Signals | number>((resolve) =>
    child.once("exit", (code, signal) => {
      running.delete(child);
      resolve(signal ?? (code as number));
    }),
  );
  return { child, exited };
}

/** A directory under `parent` whose name starts with `prefix` and that holds captured processes already. */
function findStarted(parent: string, prefix: string): string | undefined {
  for (const name of fs.readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const proc = path.join(parent, name, "proc");
    try {
      if (fs.readdirSync(proc).some((entry) => /^\d+$/.test(entry))) return name;
    } catch {
      // Not made yet.
    }
  }
  return undefined;
}

describe("SIGTERM mid-way", () => {
  let tarball: string;

  beforeAll(async () => {
    tarball = path.join(base, "snap.tar.gz");
    const { exited } = start(["capture", "-o", tarball]);
    expect(await exited).toBe(0);
  }, 180_000);

  it("capture -o x.tar.gz --with-secrets: no staging directory, no tarball", async () => {
    const out = fs.mkdtempSync(path.join(base, "out-"));
    const { child, exited } = start(["capture", "-o", path.join(out, "x.tar.gz"), "--with-secrets"]);
    await waitUntil("the staging directory with captured processes", () => findStarted(out, ".procscope-capture-"), {
      timeoutMs: 60_000,
      everyMs: 5,
    });
    child.kill("SIGTERM");
    expect(await exited).toBe("SIGTERM");
    expect(fs.readdirSync(out)).toEqual([]);
  }, 120_000);

  it("capture -o DIR: no partial capture", async () => {
    const out = fs.mkdtempSync(path.join(base, "out-"));
    const { child, exited } = start(["capture", "-o", path.join(out, "snap")]);
    await waitUntil("the capture directory with captured processes", () => findStarted(out, "snap"), { timeoutMs: 60_000, everyMs: 5 });
    child.kill("SIGTERM");
    expect(await exited).toBe("SIGTERM");
    expect(fs.readdirSync(out)).toEqual([]);
  }, 120_000);

  it("ps --root x.tar.gz: no extracted copy under TMPDIR", async () => {
    const tmp = fs.mkdtempSync(path.join(base, "tmp-"));
    const { child, exited } = start(["ps", "--root", tarball], { TMPDIR: tmp });
    await waitUntil("the extracted copy", () => fs.readdirSync(tmp).some((name) => name.startsWith("procscope-root-")), {
      timeoutMs: 60_000,
      everyMs: 5,
    });
    child.kill("SIGTERM");
    const how = await exited;
    // Killed mid-extraction (the extraction is one synchronous step: the signal is handled after
    // it), or, if ps was quicker than the signal, ended normally: either way nothing is left.
    expect(["SIGTERM", 0]).toContain(how);
    expect(fs.readdirSync(tmp)).toEqual([]);
  }, 120_000);
});
