/** One rule for PIDs asked for with --pid that do not exist: each named on stderr, exit 3. */
import { ProcessGone } from "../errors.js";
import type { CommandRun } from "./command.js";
import { EXIT_GONE } from "./exit.js";

/**
 * Says "no such process N" for each PID in `pids` that is not in `listed` and has no /proc
 * directory, and sets exit code 3 ("no such process", as every procscope command uses it). A PID
 * that is there but was filtered out or unreadable is not missing.
 */
export function reportMissingPids(run: CommandRun, pids: readonly number[] | undefined, listed: ReadonlySet<number>): void {
  for (const pid of pids ?? []) {
    if (listed.has(pid)) continue;
    try {
      run.procFs.openProcess(pid).close();
    } catch (error) {
      if (!(error instanceof ProcessGone)) continue; // there, if unreadable (counted as such)
      run.warn(error.message);
      run.exitCode = EXIT_GONE;
    }
  }
}
