/**
 * Directories a capture makes for a while and must not leave behind: a tarball's staging
 * directory (unredacted environs with --with-secrets), a directory capture not finished yet, a
 * tarball extracted for `--root`. Removed when done, at exit, and by the face that handles
 * signals (`removeTemporaryDirectories()`, src/cli/start.ts): a process killed by SIGTERM runs no
 * exit hooks.
 */
import fs from "node:fs";

const temporary = new Set<string>();
let exitHookRegistered = false;

/** Marks `dir` (made by us) for removal at exit or on a signal until `releaseTemporary(dir)`. */
export function trackTemporary(dir: string): void {
  temporary.add(dir);
  if (!exitHookRegistered) {
    exitHookRegistered = true;
    process.once("exit", removeTemporaryDirectories);
  }
}

/** `dir` is no longer temporary: kept (`remove` false) or removed now. */
export function releaseTemporary(dir: string, options: { readonly remove: boolean }): void {
  temporary.delete(dir);
  if (options.remove) fs.rmSync(dir, { recursive: true, force: true });
}

/** Removes every tracked directory now (synchronously: safe in a signal handler before exiting). */
export function removeTemporaryDirectories(): void {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
  temporary.clear();
}
