/** Paths of the captured fixture trees, and the peer project's tree unpacked on demand. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { sharedPeerData } from "./repo.js";

/** The captured tree of this project's VM, unpacked from test/fixtures/proc-vm-6.18.44.tar.gz by test/global-setup.ts. */
export const FIXTURE = path.join(inject("fixturesDir"), "proc-vm-6.18.44");
export const FIXTURE_PROC = path.join(FIXTURE, "proc");

export interface FixtureInfo {
  readonly clockTicks: number;
  readonly pageSize: number;
  readonly special: { readonly zombieParent: number; readonly parenComm: number; readonly escapeComm: number };
}

export const fixtureInfo = JSON.parse(fs.readFileSync(path.join(FIXTURE, "system-info.json"), "utf8")) as FixtureInfo;

let peerRoot: string | undefined;

/**
 * Unpacks ../shared/peer-data/prometheus-procfs (the Go library's test fixtures, Apache-2.0) into
 * a temp dir once per test process, removed when it exits; returns its proc dir.
 */
export function peerProc(): string {
  if (peerRoot) return peerRoot;
  const script = sharedPeerData("prometheus-procfs", "extract.py");
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-peer-"));
  process.once("exit", () => fs.rmSync(dest, { recursive: true, force: true }));
  const run = spawnSync("python3", [script, dest], { encoding: "utf8" });
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    throw new Error(
      code === "ENOENT" ? "python3 is missing: it is needed to unpack the peer /proc fixtures" : `cannot run python3: ${run.error.message}`,
    );
  }
  if (run.status !== 0) throw new Error(`extract.py failed with status ${run.status}: ${run.stderr}`);
  const proc = path.join(dest, "fixtures", "proc");
  if (!fs.existsSync(proc)) throw new Error(`extract.py produced no ${proc}`);
  peerRoot = proc;
  return peerRoot;
}
