/**
 * Every command, as root and as uid 65534, on a plain /proc and on hidepid=1 and hidepid=2 mounts
 * (each in a private mount namespace: the host's /proc is never changed), about a live root process
 * the test starts: never a crash, never "exited" or "no such process" for a process that is only
 * hidden or another user's, one line when it fails, and hidepid named when hidepid is the cause.
 * hidepid.test.ts holds the exact messages of the listings; this file holds the breadth. The runs
 * go one at a time: races with processes exiting mid-listing are the storm tests' subject.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { runAsNobody, type UnprivilegedOptions } from "../helpers/unprivileged.js";

/** What a command is about: one process (the target), every process, or the system. */
type Kind = "process" | "listing" | "system";

interface Target {
  readonly pid: number;
  /** An address inside the target's stack, for `read`. */
  readonly address: string;
  readonly outputDir: () => string;
}

const MATRIX: readonly (readonly [string, Kind, (t: Target) => string[]])[] = [
  ["ps", "listing", () => ["ps"]],
  ["tree", "process", (t) => ["tree", String(t.pid)]],
  ["show", "process", (t) => ["show", String(t.pid)]],
  ["top", "listing", () => ["top", "--once", "--interval", "50"]],
  ["fds", "process", (t) => ["fds", String(t.pid)]],
  ["lsof", "listing", () => ["lsof"]],
  ["peers", "listing", () => ["peers"]],
  ["net", "listing", () => ["net"]],
  ["recover", "listing", (t) => ["recover", "--deleted", "-o", t.outputDir()]],
  ["progress", "listing", () => ["progress"]],
  ["pipeline", "process", (t) => ["pipeline", String(t.pid)]],
  ["sys", "system", () => ["sys"]],
  ["maps", "process", (t) => ["maps", String(t.pid)]],
  ["read", "process", (t) => ["read", String(t.pid), t.address, "16"]],
  ["dump", "process", (t) => ["dump", String(t.pid), "-o", t.outputDir()]],
  ["strings", "process", (t) => ["strings", String(t.pid)]],
  ["search", "process", (t) => ["search", String(t.pid), HEAP_TEXT]],
  // A preview only: without --yes nothing is written.
  ["replace", "process", (t) => ["replace", String(t.pid), HEAP_TEXT, "matrix-heap-text-3f9b"]],
  ["history", "process", (t) => ["history", String(t.pid)]],
  ["threads", "process", (t) => ["threads", String(t.pid)]],
  ["stack", "process", (t) => ["stack", String(t.pid)]],
  ["blocked", "listing", () => ["blocked"]],
  ["ksym", "system", () => ["ksym", "schedule"]],
  ["sysctl", "system", () => ["sysctl", "kernel.ostype"]],
  ["schema", "system", () => ["schema", "ps"]],
  ["audit", "process", (t) => ["audit", String(t.pid)]],
  ["capture", "listing", (t) => ["capture", "-o", t.outputDir()]],
];

/** Commands left out here, and where their runs under hidepid and as another user are tested. */
const ELSEWHERE: Readonly<Record<string, string>> = {
  watch: "a stream: hidepid.test.ts runs it in every row",
  follow: "a stream: hardening-low tests follow of a zombie and another user's process",
  write: "writes memory: test/memory/write.test.ts refuses another user's process",
  undo: "needs a journal: test/memory/write.test.ts",
  serve: "a server: test/server",
  exporter: "a server: test/exporter/live.test.ts runs it as uid 65534",
  diff: "needs a capture: test/capture",
  help: "no process data",
};

const ROWS: readonly (readonly [string, UnprivilegedOptions & { nobody: boolean }])[] = [
  ["root, plain /proc", { asRoot: true, nobody: false }],
  ["root, hidepid=2", { asRoot: true, hidepid: 2, nobody: false }],
  ["uid 65534, plain /proc", { nobody: true }],
  ["uid 65534, hidepid=1", { hidepid: 1, nobody: true }],
  ["uid 65534, hidepid=2", { hidepid: 2, nobody: true }],
];

/** A value bash keeps in its heap (a shell variable): replace's preview and search find it. */
const HEAP_TEXT = "matrix-heap-text-3f9a";
let target: LiveProcess;
let address: string;
const outputs: string[] = [];

/** A fresh path under a directory anyone may write in (the command creates it). */
function outputDir(): string {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-matrix-"));
  fs.chmodSync(parent, 0o777);
  outputs.push(parent);
  return path.join(parent, "out");
}

beforeAll(async () => {
  // A root bash running a pipeline: every command has something real to look at, history a shell.
  target = await startProcess("bash", ["-c", `MARK=${HEAP_TEXT}; echo ready; sleep 600 | cat; :`], { ready: "ready" });
  const stack = fs
    .readFileSync(`/proc/${target.pid}/maps`, "utf8")
    .split("\n")
    .find((line) => line.endsWith("[stack]"));
  const stackEnd = /^[0-9a-f]+-([0-9a-f]+) /.exec(stack ?? "")?.[1];
  if (stackEnd === undefined) throw new Error(`bash ${target.pid} has no [stack] mapping`);
  // The last 16 bytes of the stack: inside it, whatever the stack holds.
  address = `0x${(BigInt(`0x${stackEnd}`) - 16n).toString(16)}`;
});
afterAll(() => {
  for (const dir of outputs) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the matrix covers every command", () => {
  it("each command of `procscope --help` is in the matrix or says where it is tested", () => {
    const help = execFileSync(process.execPath, [BIN, "--help"], { encoding: "utf8", env: { ...process.env, NODE_EXTRA_CA_CERTS: "" } });
    const commands = [...help.split("Commands:")[1]!.matchAll(/^ {2}([a-z]+)/gm)].map((m) => m[1]);
    expect(commands.length).toBeGreaterThan(30);
    const covered = new Set([...MATRIX.map(([name]) => name), ...Object.keys(ELSEWHERE)]);
    expect(commands.filter((c) => !covered.has(c as string))).toEqual([]);
  });
});

describe.each(ROWS)("%s", (_row, options) => {
  it.each(MATRIX)(
    "%s: no crash, never 'exited', one line when it fails, hidepid named when it hides the target",
    async (_name, kind, argv) => {
      const result = await runAsNobody(argv({ pid: target.pid, address, outputDir }), options);
      const stderrLines = result.stderr.trim() === "" ? [] : result.stderr.trim().split("\n");
      expect(result.stderr).not.toMatch(/\n\s+at |TypeError|ReferenceError|RangeError/);
      expect(result.stderr).not.toMatch(/exited|no such process/);
      expect(result.code).not.toBe(3);
      if (result.code !== 0) expect(stderrLines).toHaveLength(1);
      if (!options.nobody) {
        // Root reads a root process whatever the mount says.
        expect(result.code, result.stderr).toBe(0);
        expect(result.stderr).not.toMatch(/hidepid/);
      } else if (kind === "process" && options.hidepid !== undefined) {
        expect(result.code).toBe(4);
        expect(result.stderr).toMatch(/hidepid/);
      } else if (kind === "process") {
        // Another user's process: what can be read is shown (0), or the refusal says why (4).
        expect([0, 4]).toContain(result.code);
        if (result.code === 4) expect(result.stderr).toMatch(/permission denied|not permitted|another user|root/);
      } else if (kind === "listing") {
        expect(result.code, result.stderr).toBe(0);
      } else {
        expect([0, 4]).toContain(result.code);
      }
    },
    60_000,
  );
});
