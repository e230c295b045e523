/**
 * Runs the built CLI as an unprivileged user (nobody, 65534) with no supplementary groups, via
 * setpriv. The checkout may sit where that user cannot read it (CI clones under /root), so the
 * build and its one runtime dependency are copied to a world-readable temp dir first.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CliResult } from "./cli.js";

let copyRoot: string | undefined;

/** A copy of the build that any user can read (the checkout may be under a private home). */
export function worldReadableCopy(): string {
  if (copyRoot) return copyRoot;
  if (!fs.existsSync("dist/bin/procscope.cjs")) throw new Error("dist/ is missing: run `npm run build` (npm test does) first");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-unpriv-"));
  fs.cpSync("dist", path.join(dir, "dist"), { recursive: true });
  fs.cpSync("package.json", path.join(dir, "package.json"));
  fs.cpSync("node_modules/commander", path.join(dir, "node_modules/commander"), { recursive: true });
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: false }) as string[])
    fs.chmodSync(path.join(dir, entry), 0o755);
  fs.chmodSync(dir, 0o755);
  copyRoot = dir;
  return dir;
}

export const NOBODY = 65534;

/**
 * Runs the CLI as nobody, with this process's environment plus `env`. With `hidepid`, inside a private mount namespace whose /proc is a new
 * proc mount with that option, so the host's /proc is never touched.
 */
export function runAsNobody(argv: readonly string[], options: UnprivilegedOptions = {}): Promise<CliResult> {
  const [command, args, env] = unprivilegedCommand(argv, options);
  return new Promise((resolve) => {
    execFile(command, args, { encoding: "utf8", env, maxBuffer: 64 * 1024 * 1024, cwd: "/" }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === "ENOENT")
        throw new Error("setpriv is not installed: apt-get install -y util-linux");
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

export interface UnprivilegedOptions {
  readonly hidepid?: 1 | 2;
  readonly env?: Readonly<Record<string, string>>;
  /** Stay root (for the root rows of the hidepid matrix); default: switch to nobody. */
  readonly asRoot?: boolean;
}

/** The command, arguments and environment runAsNobody runs, for callers that spawn it themselves (streams). */
export function unprivilegedCommand(argv: readonly string[], options: UnprivilegedOptions = {}): [string, string[], NodeJS.ProcessEnv] {
  if (process.getuid?.() !== 0) throw new Error("this test needs root to switch to uid 65534 (run the suite as root, as CI does)");
  const bin = path.join(worldReadableCopy(), "dist/bin/procscope.cjs");
  const { NODE_EXTRA_CA_CERTS: _ignored, ...inherited } = process.env;
  const env = { ...inherited, ...options.env };
  const asNobody = options.asRoot
    ? [process.execPath, bin, ...argv]
    : ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", process.execPath, bin, ...argv];
  const [command, args] =
    options.hidepid === undefined
      ? [asNobody[0] as string, asNobody.slice(1)]
      : [
          "unshare",
          [
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            `mount -t proc -o hidepid=${options.hidepid} proc /proc && exec "$@"`,
            "sh",
            ...asNobody,
          ],
        ];
  return [command, args, env];
}
