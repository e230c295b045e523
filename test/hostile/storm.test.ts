/**
 * A fork/exit storm: a C helper keeps forking short-lived children (thousands a second on an idle
 * machine) while ps, lsof, search --all, top --once and audit run. Processes vanish between
 * readdir and every read after it: no crash, exit 0, JSON that is whole and matches its schema,
 * nothing on stderr but the documented "could not be read" notice, and a canary process started
 * before the storm is always there.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectValidJson } from "../helpers/contract.js";
import { HOSTILE_SOURCE } from "../helpers/hostile.js";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { type MeasuredResult, runMeasured } from "../helpers/measured.js";
import { compileC } from "../helpers/native.js";

const NEEDLE = `STORM-NEEDLE-${process.pid}-${Date.now()}`;
const SLOW = 240_000;

let dir: string;
let storm: LiveProcess;
let canary: LiveProcess;

/** Processes the kernel has created since boot (/proc/stat "processes"). */
function forksSoFar(): number {
  return Number(/\nprocesses (\d+)/.exec(fs.readFileSync("/proc/stat", "utf8"))?.[1]);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-storm-"));
  const binary = compileC("hostile", HOSTILE_SOURCE, ["-lpthread"]);
  // The needle sits in the canary's argv, which lies in its [stack] mapping; it runs from /tmp,
  // so audit has a finding about it (tmp-exe) to show it looked.
  const canaryBinary = path.join(dir, "canary-exe");
  fs.copyFileSync(binary, canaryBinary);
  fs.chmodSync(canaryBinary, 0o755);
  canary = await startProcess(canaryBinary, ["canary", dir, NEEDLE]);
  await canary.waitFor(/ready canary/, 60_000);
  storm = await startProcess(binary, ["storm", "32"]);
  await storm.waitFor(/ready storm/, 60_000);
}, SLOW);

afterAll(async () => {
  await storm?.kill();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the command during the storm and proves the storm went on meanwhile. */
async function duringStorm(argv: string[]): Promise<{ result: MeasuredResult; forks: number }> {
  const before = forksSoFar();
  const result = await runMeasured(argv);
  const forks = forksSoFar() - before;
  expect(storm.child.exitCode, "the storm helper died").toBeNull();
  return { result, forks };
}

/**
 * Runs `attempt` until the storm has raced it for at least `minimum` forks in all, at most five
 * times: on a loaded machine one run may see only a few hundred forks, and each run is checked.
 */
async function raceUntil(minimum: number, attempt: () => Promise<number>): Promise<void> {
  let forks = 0;
  for (let round = 0; round < 5 && forks <= minimum; round++) forks += await attempt();
  // The storm really raced these runs (thousands a second when idle; less on a loaded machine).
  expect(forks).toBeGreaterThan(minimum);
}

/** The notices a command may print on stderr: what it could not read, and search's summary line. */
const DOCUMENTED = [
  /^procscope: \d+ process(es)? could not be read/,
  /^procscope: some checks could not run/,
  /^procscope: \d+ match(es)? for /,
];

function expectClean(result: MeasuredResult, what: string): void {
  expect(result.code, `${what}: ${result.stderr.slice(0, 500)}`).toBe(0);
  const lines = result.stderr.split("\n").filter((l) => l !== "");
  expect(
    lines.filter((l) => !DOCUMENTED.some((re) => re.test(l))),
    `${what}: unexpected stderr`,
  ).toEqual([]);
}

describe("during a fork/exit storm", () => {
  it.each([
    ["ps", ["ps"]],
    ["lsof", ["lsof"]],
    ["top", ["top", "--once", "--interval", "200"]],
  ])(
    "%s: exit 0, whole valid JSON and text, the canary listed",
    async (command, argv) => {
      await raceUntil(300, async () => {
        const [json, text] = await Promise.all([duringStorm([...argv, "--json"]), duringStorm(argv)]);
        expectClean(json.result, `${command} --json`);
        expectClean(text.result, command);
        const [document] = await expectValidJson(command, json.result.stdout);
        const rows = (command === "top" ? (document as { processes: { pid: number }[] }).processes : document) as { pid: number }[];
        expect(rows.some((r) => r.pid === canary.pid)).toBe(true);
        expect(rows.some((r) => r.pid === storm.pid)).toBe(true);
        expect(text.result.stdout).toMatch(new RegExp(`\\s${canary.pid}\\s`));
        // Text output is whole: it ends with a newline, not mid-row.
        expect(text.result.stdout.endsWith("\n")).toBe(true);
        return json.forks + text.forks;
      });
    },
    SLOW,
  );

  it(
    "search --all finds the canary's needle",
    async () => {
      await raceUntil(300, async () => {
        const [json, text] = await Promise.all([
          duringStorm(["search", "--all", "--region", "stack", NEEDLE, "--json"]),
          duringStorm(["search", "--all", "--region", "stack", NEEDLE]),
        ]);
        expectClean(json.result, "search --all --json");
        expectClean(text.result, "search --all");
        const [matches] = (await expectValidJson("search", json.result.stdout)) as { pid: number }[][];
        expect(matches?.some((m) => m.pid === canary.pid)).toBe(true);
        expect(text.result.stdout).toContain(String(canary.pid));
        return json.forks + text.forks;
      });
    },
    SLOW,
  );

  it(
    "audit: exit 0, valid JSON, no process called hidden because it came and went",
    async () => {
      await raceUntil(300, async () => {
        const { result, forks } = await duringStorm(["audit", "--json"]);
        expectClean(result, "audit --json");
        const [findings] = (await expectValidJson("audit", result.stdout)) as { rule: string; severity: string; pid: number | null }[][];
        expect(findings?.filter((f) => f.rule === "hidden-process" && f.severity !== "info")).toEqual([]);
        // The canary runs from /tmp: audit looked at it.
        expect(findings?.some((f) => f.rule === "tmp-exe" && f.pid === canary.pid)).toBe(true);
        return forks;
      });
    },
    SLOW,
  );
});
