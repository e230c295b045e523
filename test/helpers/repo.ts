/**
 * Where the repository is, and the shared data that sits beside it. Tests find every path from
 * here, never from a machine's absolute path nor from the current directory, so a clone anywhere
 * (with `shared/` cloned beside it) runs the same.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root directory (this file is test/helpers/repo.ts). */
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** `relative` resolved against the repository root: `repoPath("dist/bin/procscope.cjs")`. */
export function repoPath(...relative: string[]): string {
  return path.resolve(REPO_ROOT, ...relative);
}

/**
 * The shared peer data, `../shared/peer-data` beside the repository; throws a message saying what
 * to do when it is absent. `sharedPeerData("prometheus-procfs", "extract.py")`.
 */
export function sharedPeerData(...relative: string[]): string {
  return sharedPeerDataBeside(REPO_ROOT, ...relative);
}

/** `sharedPeerData()` for a repository at `root` (tests of the helper itself). */
export function sharedPeerDataBeside(root: string, ...relative: string[]): string {
  const base = path.resolve(root, "../shared/peer-data");
  if (!fs.existsSync(base)) {
    throw new Error(`../shared/peer-data not found beside the repository: clone it there (looked for ${base})`);
  }
  const target = path.join(base, ...relative);
  if (!fs.existsSync(target)) throw new Error(`${path.join("../shared/peer-data", ...relative)} is missing (looked for ${target})`);
  return target;
}
