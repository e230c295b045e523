/**
 * Changing a host sysctl in a test without ever leaving it changed: the value read before is
 * written back after each test (afterEach, so a failed expectation restores it too), after the
 * file, and on process exit (process.exit() or an uncaught error in the worker). Only a SIGKILL
 * of the test process could skip all three; test/kernel/sysctl.test.ts proves the rest in a
 * sub-process that fails mid-way.
 */
import fs from "node:fs";
import { afterAll, afterEach } from "vitest";

export interface SysctlGuard {
  /** The value as it was (trimmed), e.g. "60". */
  readonly original: string;
  /** Writes the original back now if it differs (also done automatically). */
  restore(): void;
}

/**
 * Guards `/proc/sys/...` file `file` for the enclosing describe block (or the whole file).
 * `const swappiness = guardSysctl("/proc/sys/vm/swappiness")`
 */
export function guardSysctl(file: string): SysctlGuard {
  const original = fs.readFileSync(file, "utf8").trim();
  const restore = (): void => {
    if (fs.readFileSync(file, "utf8").trim() !== original) fs.writeFileSync(file, original);
  };
  afterEach(restore);
  afterAll(restore);
  process.once("exit", restore);
  return { original, restore };
}
