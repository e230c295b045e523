/** Runs the CLI in-process (fast, no child) or as the real installed binary. */
import { execFile } from "node:child_process";
import path from "node:path";
import { main } from "../../src/cli/main.js";
import { repoPath } from "./repo.js";
import { worldReadableCopy } from "./unprivileged.js";

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(
  argv: readonly string[],
  options: { isTTY?: boolean; columns?: number; env?: Record<string, string> } = {},
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    isTTY: options.isTTY ?? false,
    columns: options.columns,
    env: options.env ?? {},
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

export const BIN = repoPath("dist/bin/procscope.cjs");

/** Runs dist/bin/procscope.cjs (built by `npm test` before vitest starts). */
export function runBin(
  argv: readonly string[],
  options: { uid?: number; gid?: number; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      // Another user may not be able to read the checkout (a clone under /root): run a readable copy.
      [options.uid === undefined ? BIN : path.join(worldReadableCopy(), "dist/bin/procscope.cjs"), ...argv],
      {
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        timeout: options.timeoutMs ?? 60_000,
        env: options.env ?? process.env,
        ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
