/**
 * Exit codes of the command-line contract (docs/ARCHITECTURE.md): 1 error, 2 usage,
 * 3 no such process / it exited, 4 permission denied.
 */
import { ProcError } from "../errors.js";

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_GONE = 3;
export const EXIT_DENIED = 4;

/** A mistake in how the command was called; printed with the command's usage. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT_USAGE;
  if (error instanceof ProcError) {
    switch (error.kind) {
      case "ProcessGone":
        return EXIT_GONE;
      case "AccessDenied":
        return EXIT_DENIED;
      case "InvalidArgument":
        return EXIT_USAGE;
      default:
        return EXIT_ERROR;
    }
  }
  return EXIT_ERROR;
}

/**
 * The flag that sets a library option an error names (ProcError.option): the library says what it
 * refused and which option would allow it; the command line says which flag that is.
 */
const OPTION_FLAGS: Readonly<Record<string, string>> = {
  force: "use --force",
  allowShared: "use --allow-shared",
  allowLonger: "use --allow-longer",
  pad: "use --pad",
  stop: "or use --no-stop",
  hex: "--hex cannot be combined with --regex, --utf16 or --ignore-case",
  regex: "--regex cannot be combined with --utf16",
  journal: "replace and write take --journal PATH to keep the journal where you can read and write it",
  root: "--root takes /proc, a /proc tree, or a capture (a directory or a .tar.gz)",
};

/** One line: the cause, without a stack. Unknown errors keep their message (a bug to report). */
export function errorLine(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
  const flag = error instanceof ProcError && error.option !== undefined ? OPTION_FLAGS[error.option] : undefined;
  return `procscope: ${message}${flag === undefined ? "" : `; ${flag}`}`;
}
