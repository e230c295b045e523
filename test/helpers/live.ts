/**
 * Real processes for live tests: started, waited for until they say they are ready, and killed
 * when the test file ends.
 */

import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import fs from "node:fs";
import { afterAll } from "vitest";

export interface LiveProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout so far. */
  output(): string;
  /** Resolves when stdout contains `text` (or rejects after `timeoutMs`). */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const started = new Set<LiveProcess>();

// Registered when a test file imports this module (collection time), so it runs for that file
// whether processes were started in a test or in a hook. The exit handler catches a crashed run.
afterAll(async () => {
  await Promise.all([...started].map((p) => p.kill("SIGKILL")));
});
process.once("exit", () => {
  for (const p of started) killGroup(p.child, "SIGKILL");
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-(child.pid as number), signal);
  } catch {
    // The group is already gone.
  }
}

/** Starts a process; if `ready` is given, waits until its stdout shows it. */
export async function startProcess(
  command: string,
  args: readonly string[] = [],
  options: SpawnOptions & { ready?: string | RegExp } = {},
): Promise<LiveProcess> {
  // Its own process group, so kill() also ends what it started (a shell's background sleep would
  // otherwise outlive the test holding vitest's stderr open).
  const child = spawn(command, args as string[], { stdio: ["pipe", "pipe", "inherit"], detached: true, ...options });
  let out = "";
  const waiters: Array<() => void> = [];
  child.stdout?.setEncoding("latin1");
  child.stdout?.on("data", (chunk: string) => {
    out += chunk;
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", () => resolve());
    child.once("error", reject);
  });
  const live: LiveProcess = {
    pid: child.pid as number,
    child,
    output: () => out,
    waitFor(text, timeoutMs = 10_000) {
      const match = () => (typeof text === "string" ? out.includes(text) : text.test(out));
      return new Promise((resolve, reject) => {
        if (match()) return resolve(out);
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${String(text)} from ${command}; got ${JSON.stringify(out.slice(-200))}`)),
          timeoutMs,
        );
        const check = () => {
          if (match()) {
            clearTimeout(timer);
            resolve(out);
          } else waiters.push(check);
        };
        waiters.push(check);
        child.once("exit", () => {
          if (!match()) {
            clearTimeout(timer);
            reject(new Error(`${command} exited before printing ${String(text)}; got ${JSON.stringify(out.slice(-200))}`));
          }
        });
      });
    },
    async kill(signal = "SIGKILL") {
      started.delete(live);
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(child, signal);
        await exited;
      } else killGroup(child, "SIGKILL");
    },
  };
  started.add(live);
  if (options.ready !== undefined) await live.waitFor(options.ready);
  return live;
}

/** A PID that is not in use now (for "no such process" tests). */
export function unusedPid(): number {
  const max = Number(fs.readFileSync("/proc/sys/kernel/pid_max", "utf8"));
  for (let pid = max - 1; pid > 1; pid--) if (!fs.existsSync(`/proc/${pid}`)) return pid;
  throw new Error("no unused PID");
}

/** Processes the kernel has created since boot (/proc/stat "processes"). */
function forksSoFar(): number {
  return Number(/\nprocesses (\d+)/.exec(fs.readFileSync("/proc/stat", "utf8"))?.[1]);
}

/**
 * Runs `round` again and again while two shells run `body` in a loop as fast as they can, until
 * at least `minRounds` rounds ran and the kernel created at least 300 processes meanwhile: proof
 * that the rounds raced real churn. `thenWhileChurning` runs after the rounds, churn still going.
 */
export async function repeatDuringChurn(
  body: string,
  round: () => void,
  minRounds: number,
  thenWhileChurning?: () => Promise<void>,
): Promise<void> {
  const churners = await Promise.all([0, 1].map(() => startProcess("sh", ["-c", `while :; do ${body}; done`], { stdio: "ignore" })));
  try {
    const before = forksSoFar();
    for (let rounds = 0; rounds < minRounds || forksSoFar() - before < 300; rounds++) {
      if (rounds > 5000) throw new Error("the churning shells created fewer than 300 processes");
      round();
      await new Promise((r) => setImmediate(r));
    }
    await thenWhileChurning?.();
  } finally {
    await Promise.all(churners.map((c) => c.kill()));
  }
}
