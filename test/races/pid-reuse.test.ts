/**
 * PID reuse between the read and the act, made to happen on purpose, in steps: a victim process
 * is read (its PID and start time, as `procscope ps --json` shows them), it exits, a new process
 * is given the very same PID (ns_last_pid, inside a private PID namespace where nothing else
 * forks), and only then does the act run: `replace --yes`, `undo`, `follow`, `recover`, and the
 * signal that top's kill key sends. Each must refuse the new process (exit 3, "reused") — and
 * each new process is built so that the act would succeed on it if the identity were not checked
 * (same marker address, same bytes, same fd numbers), so the refusal is the only thing that saves it.
 *
 * Needs root (a new PID namespace, writing ns_last_pid) and unshare/nsenter (util-linux).
 */
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";
import { RACES_SOURCE } from "../helpers/hostile.js";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";
import { repoPath } from "../helpers/repo.js";
import { waitUntil } from "../helpers/wait.js";

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn("test/races/pid-reuse.test.ts needs root (a new PID namespace and ns_last_pid): skipped. CI runs it as root.");

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let dir: string;
let binary: string;
let init: LiveProcess;
let initHostPid: number;
let sequence = 0;

/** Sends one command to the namespace's init and returns what follows "ok" (throws on "err"); "start" names its slot by the ID. */
async function send(command: string, id = `c${sequence++}`): Promise<string> {
  init.child.stdin?.write(`${id} ${command}\n`);
  const out = await init.waitFor(new RegExp(`^${id} (ok|err)[^\\n]*\\n`, "m"), 60_000);
  const line = (new RegExp(`^${id} (ok|err) ?([^\\n]*)$`, "m").exec(out) as RegExpExecArray).slice(1);
  if (line[0] !== "ok") throw new Error(`namespace init: ${command}: ${line[1]}`);
  return line[1] as string;
}

/** Runs `procscope ARGV` inside the namespace (its PIDs, its /proc). */
function inNamespace(command: readonly string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      "nsenter",
      ["-t", String(initHostPid), "-p", "-m", ...command],
      { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const procscope = (argv: readonly string[], timeoutMs?: number) => inNamespace([process.execPath, BIN, ...argv], timeoutMs);

let victims = 0;

/** Starts a victim holding `marker` (a static buffer), a log on fd 3 and a deleted file on fd 4. */
async function startVictim(slot: string, marker: string): Promise<{ pid: number; address: string }> {
  const n = victims++;
  const reply = await send(`start ${binary} victim ${marker} ${dir}/log-${n} ${dir}/deleted-${n} DELETED-${marker}`, slot);
  const [pid, , address] = reply.split(" ");
  return { pid: Number(pid), address: address as string };
}

/** The victim of `slot` exits and a new one with `marker` gets its PID. */
async function reuse(slot: string, marker: string): Promise<{ pid: number; address: string; log: string }> {
  const n = victims++;
  const reply = await send(`swap ${slot} ${binary} victim ${marker} ${dir}/log-${n} ${dir}/deleted-${n} DELETED-${marker}`);
  const [pid, , address] = reply.split(" ");
  return { pid: Number(pid), address: address as string, log: `${dir}/log-${n}` };
}

/** What `procscope ps --json` says of the PID: the read a user (or top) makes before acting. */
async function startTicks(pid: number): Promise<number> {
  const ps = await procscope(["ps", "--pid", String(pid), "--json"]);
  expect(ps.code, ps.stderr).toBe(0);
  const [row] = JSON.parse(ps.stdout) as { pid: number; startTimeTicks: number }[];
  expect(row?.pid).toBe(pid);
  return row?.startTimeTicks as number;
}

/** Read a victim, let it exit, give its PID to a new victim with `newMarker`; returns both identities. */
async function readThenReuse(slot: string, oldMarker: string, newMarker: string) {
  const old = await startVictim(slot, oldMarker);
  const ticks = await startTicks(old.pid);
  const fresh = await reuse(slot, newMarker);
  expect(fresh.pid).toBe(old.pid);
  // The same PID, the marker at the same address: only the start time tells them apart.
  expect(fresh.address).toBe(old.address);
  const freshTicks = await startTicks(fresh.pid);
  expect(freshTicks).not.toBe(ticks);
  return { pid: old.pid, ticks, freshTicks, address: old.address, fresh };
}

/** The marker the process at `pid` holds now, read with `procscope read`. */
async function markerOf(pid: number, address: string, length: number): Promise<string> {
  const read = await procscope(["read", String(pid), address, String(length), "--json"]);
  expect(read.code, read.stderr).toBe(0);
  return Buffer.from((JSON.parse(read.stdout) as { hex: string }).hex, "hex").toString("latin1");
}

/** Polls an asynchronous condition until it holds or the deadline passes. */
async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function expectReused(result: Run, pid: number, what: string): void {
  expect(result.code, `${what}: ${result.stderr}${result.stdout.slice(0, 300)}`).toBe(3);
  expect(result.stderr).toMatch(new RegExp(`process ${pid} .*reused`));
}

describe.skipIf(!isRoot)("PID reuse between the read and the act (private PID namespace)", () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-races-"));
    binary = compileC("races", RACES_SOURCE);
    init = await startProcess("unshare", ["--pid", "--fork", "--mount-proc", "--kill-child", binary, "nsinit"]);
    await init.waitFor("ready nsinit\n", 60_000);
    initHostPid = Number(fs.readFileSync(`/proc/${init.pid}/task/${init.pid}/children`, "utf8").trim().split(" ")[0]);
    expect(fs.readlinkSync(`/proc/${initHostPid}/ns/pid`)).not.toBe(fs.readlinkSync("/proc/self/ns/pid"));
  }, 120_000);

  afterAll(async () => {
    await init?.kill();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("replace --yes PID@TICKS refuses the new process and leaves its memory alone", async () => {
    const { pid, ticks, address } = await readThenReuse("replace", "RACE-TAG-old", "RACE-TAG-new");
    const journal = path.join(dir, "replace.jsonl");
    // Without the identity check this would find RACE-TAG- in the new process and write it.
    const result = await procscope(["replace", `${pid}@${ticks}`, "RACE-TAG-", "RACE-ZZZ-", "--yes", "--journal", journal]);
    expectReused(result, pid, "replace");
    expect(await markerOf(pid, address, 12)).toBe("RACE-TAG-new");
    expect(fs.existsSync(journal)).toBe(false);
  }, 120_000);

  it("undo refuses a journal whose process's PID now belongs to another", async () => {
    const old = await startVictim("undo", "RACE-TAG-old");
    const journal = path.join(dir, "undo.jsonl");
    const replaced = await procscope(["replace", String(old.pid), "RACE-TAG-", "RACE-TAZ-", "--yes", "--journal", journal]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(await markerOf(old.pid, old.address, 12)).toBe("RACE-TAZ-old");
    // The new process holds exactly what was written, where it was written: compare-and-swap
    // alone would restore the old bytes into it.
    const fresh = await reuse("undo", "RACE-TAZ-new");
    expect(fresh.pid).toBe(old.pid);
    expect(fresh.address).toBe(old.address);
    const result = await procscope(["undo", journal]);
    expectReused(result, old.pid, "undo");
    expect(await markerOf(old.pid, old.address, 12)).toBe("RACE-TAZ-new");
  }, 120_000);

  it("follow PID@TICKS refuses the new process instead of streaming its file", async () => {
    const { pid, ticks } = await readThenReuse("follow", "RACE-TAG-old", "RACE-TAG-new");
    // Without the check it would follow the new process's fd 3 and never end: a deadline stops it.
    const result = await procscope(["follow", `${pid}@${ticks}`, "3"], 30_000);
    expectReused(result, pid, "follow");
    expect(result.stdout).not.toContain("RACE-TAG-new");
  }, 120_000);

  it("follow stops when the followed process exits and its PID is reused, never reading the new one's file", async () => {
    const old = await startVictim("following", "RACE-TAG-old");
    const follower = spawn("nsenter", ["-t", String(initHostPid), "-p", "-m", process.execPath, BIN, "follow", String(old.pid), "3"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    follower.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("latin1");
    });
    follower.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString("latin1");
    });
    const exited = new Promise<number | null>((resolve) => follower.once("exit", (code) => resolve(code)));
    try {
      await waitUntil("follow's first line", () => out.includes("RACE-TAG-old"), { timeoutMs: 60_000 });
      await reuse("following", "RACE-TAG-new");
      const code = await Promise.race([exited, new Promise<"running">((r) => setTimeout(() => r("running"), 30_000))]);
      expect(code, `follow did not stop; stderr ${err}`).not.toBe("running");
      expect(out).not.toContain("RACE-TAG-new");
    } finally {
      follower.kill("SIGKILL");
    }
  }, 120_000);

  it("recover PID@TICKS refuses the new process's deleted file", async () => {
    const { pid, ticks } = await readThenReuse("recover", "RACE-TAG-old", "RACE-TAG-new");
    const out = path.join(dir, "recovered");
    const result = await procscope(["recover", `${pid}@${ticks}`, "4", "-o", out]);
    expectReused(result, pid, "recover");
    expect(fs.existsSync(out)).toBe(false);
    // The control: by its own identity, the new process's file is recovered.
    const own = await procscope(["recover", `${pid}`, "4", "-o", out]);
    expect(own.code, own.stderr).toBe(0);
    expect(fs.readFileSync(out, "utf8")).toBe("DELETED-RACE-TAG-new");
  }, 120_000);

  it("top's kill (sendSignal, what the kill key calls) refuses the new process, which lives on", async () => {
    const { pid, ticks, freshTicks } = await readThenReuse("kill", "RACE-TAG-old", "RACE-TAG-new");
    const script = `
      const { openProcFs } = await import(${JSON.stringify(repoPath("dist/access/proc-fs.js"))});
      const { sendSignal } = await import(${JSON.stringify(repoPath("dist/processes/signal.js"))});
      const [pid, ticks] = process.argv.slice(1).map(Number);
      try {
        sendSignal(openProcFs(), { pid, startTimeTicks: ticks }, "KILL");
        console.log("sent");
      } catch (error) {
        console.log(JSON.stringify({ kind: error.kind, reused: /reused/.test(error.message), message: error.message }));
      }`;
    const refused = await inNamespace([process.execPath, "--input-type=module", "-e", script, String(pid), String(ticks)]);
    expect(refused.code, refused.stderr).toBe(0);
    expect(JSON.parse(refused.stdout)).toMatchObject({ kind: "ProcessGone", reused: true });
    expect(await startTicks(pid)).toBe(freshTicks);
    // The control: with the new process's own identity the signal goes through.
    const sent = await inNamespace([process.execPath, "--input-type=module", "-e", script, String(pid), String(freshTicks)]);
    expect(sent.stdout.trim()).toBe("sent");
    await eventually("the new process to die", async () => {
      const ps = await procscope(["ps", "--pid", String(pid), "--json"]);
      const rows = ps.code === 0 ? (JSON.parse(ps.stdout) as { state: string }[]) : [];
      // Dead: gone, or a zombie until the namespace's init reaps it.
      return rows.length === 0 || rows[0]?.state === "Z";
    });
  }, 120_000);
});
