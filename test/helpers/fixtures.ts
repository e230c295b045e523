/** Paths of the captured fixture trees, and the peer project's tree unpacked on demand. */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const FIXTURE = path.resolve("test/fixtures/proc-vm-6.18.44");
export const FIXTURE_PROC = path.join(FIXTURE, "proc");

export interface FixtureInfo {
  readonly clockTicks: number;
  readonly pageSize: number;
  readonly special: { readonly zombieParent: number; readonly parenComm: number; readonly escapeComm: number };
}

export const fixtureInfo = JSON.parse(fs.readFileSync(path.join(FIXTURE, "system-info.json"), "utf8")) as FixtureInfo;

let peerRoot: string | undefined;

/** Unpacks ../shared/peer-data/prometheus-procfs into a temp dir once; returns its proc dir. */
export function peerProc(): string {
  if (peerRoot) return peerRoot;
  const script = path.resolve("../shared/peer-data/prometheus-procfs/extract.py");
  if (!fs.existsSync(script)) throw new Error(`peer data not found at ${script}: the shared/ folder must sit beside the project`);
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-peer-"));
  try {
    execFileSync("python3", [script, dest], { stdio: "pipe" });
  } catch (error) {
    throw new Error(`could not unpack the peer fixtures (is python3 installed? apt-get install -y python3): ${error}`);
  }
  peerRoot = path.join(dest, "fixtures", "proc");
  return peerRoot;
}
