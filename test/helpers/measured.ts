/**
 * Runs the built CLI as a child and measures its peak resident set (getrusage of the child through
 * a small C wrapper), so a test can put a bound on memory as well as on output.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BIN } from "./cli.js";
import { PEAK_RSS_SOURCE } from "./hostile.js";
import { compileC } from "./native.js";

export interface MeasuredResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak resident set of the procscope process, in bytes. */
  readonly peakRssBytes: number;
  readonly elapsedMs: number;
}

let counter = 0;

/** Runs `procscope ARGV...` (dist/bin/procscope.cjs) and reports its exit code, output and peak RSS. */
export function runMeasured(
  argv: readonly string[],
  /** `prefix` runs it through another command first, e.g. a PidNamespace's `enter`. */
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; prefix?: readonly string[] } = {},
): Promise<MeasuredResult> {
  const wrapper = compileC("peak-rss", PEAK_RSS_SOURCE);
  const peakFile = path.join(os.tmpdir(), `procscope-peak-${process.pid}-${counter++}`);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const command = [...(options.prefix ?? []), wrapper, process.execPath, BIN, ...argv];
    execFile(
      command[0] as string,
      command.slice(1),
      {
        encoding: "utf8",
        maxBuffer: 512 * 1024 * 1024,
        timeout: options.timeoutMs ?? 240_000,
        env: { ...(options.env ?? process.env), PEAK_RSS_FILE: peakFile },
      },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === "ENOENT") return reject(error);
        if (error?.killed) return reject(new Error(`procscope ${argv.join(" ")} did not finish in time`));
        let peakKiB = Number.NaN;
        try {
          peakKiB = Number(fs.readFileSync(peakFile, "utf8").trim());
          fs.rmSync(peakFile, { force: true });
        } catch {
          // Left NaN: the wrapper did not get to write it; the caller's bound check fails loudly.
        }
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr, peakRssBytes: peakKiB * 1024, elapsedMs: Date.now() - started });
      },
    );
  });
}
