/**
 * Errors are values with a kind, so faces can map them to exit codes and listings can turn them
 * into per-field reasons. The original errno error is kept as `cause`.
 */

export type ProcErrorKind = "ProcessGone" | "AccessDenied" | "Unavailable" | "ParseError" | "InvalidArgument" | "NotFound" | "Conflict";

export abstract class ProcError extends Error {
  abstract readonly kind: ProcErrorKind;
  /** Path (relative to the ProcFs root, or absolute) that was being read, when there was one. */
  readonly path: string | undefined;
  /**
   * The option of the call that would allow what was refused ("force", "allowShared", "pad",
   * "allowLonger"; "stop" when turning it off helps), so a face can name its own flag for it.
   */
  readonly option: string | undefined;

  constructor(message: string, options: { path?: string; cause?: unknown; option?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.path = options.path;
    this.option = options.option;
  }

  override get name(): string {
    return this.kind;
  }
}

/** The process exited (ENOENT/ESRCH on its directory), or its PID now belongs to another process. */
export class ProcessGone extends ProcError {
  readonly kind = "ProcessGone";
  readonly pid: number;
  /**
   * `absent`: there was no such process when it was asked for (it never existed, or exited before
   * anything was read), so "exited" would claim something we never saw.
   */
  constructor(pid: number, options: { path?: string; cause?: unknown; reused?: boolean; absent?: boolean } = {}) {
    super(
      options.reused ? `process ${pid} exited (its PID was reused)` : options.absent ? `no such process ${pid}` : `process ${pid} exited`,
      options,
    );
    this.pid = pid;
  }
}

/** EACCES/EPERM. `reason` says why in words a user can act on. */
export class AccessDenied extends ProcError {
  readonly kind = "AccessDenied";
  readonly reason: string;
  /** `what` names the path in the message ('journal "/x"'); `action` is what was refused (default "read"). */
  constructor(
    path: string,
    reason: string,
    cause?: unknown,
    options: { readonly action?: string; readonly what?: string; readonly option?: string } = {},
  ) {
    super(`cannot ${options.action ?? "read"} ${options.what ?? `"${path}"`}: permission denied (${reason})`, {
      path,
      cause,
      ...(options.option === undefined ? {} : { option: options.option }),
    });
    this.reason = reason;
  }
}

/** The kernel does not offer this (file absent on this kernel, EIO on an unmapped page, ...). */
export class Unavailable extends ProcError {
  readonly kind = "Unavailable";
  constructor(message: string, options: { path?: string; cause?: unknown; option?: string } = {}) {
    super(message, options);
  }
}

/** A /proc file did not have the expected format: a bug, or a kernel format we do not know yet. */
export class ParseError extends ProcError {
  readonly kind = "ParseError";
  readonly line: number | undefined;
  readonly detail: string;
  readonly excerpt: string;
  constructor(detail: string, excerpt: string, line?: number, path?: string) {
    const where = `${path === undefined ? "input" : `"${path}"`}${line === undefined ? "" : ` line ${line}`}`;
    super(`cannot parse ${where}: ${detail} (got ${JSON.stringify(excerpt.slice(0, 60))})`, path === undefined ? {} : { path });
    this.line = line;
    this.detail = detail;
    this.excerpt = excerpt;
  }

  /** The same error, naming the file it came from. Parsers are pure and do not know paths. */
  withPath(path: string): ParseError {
    return new ParseError(this.detail, this.excerpt, this.line, path);
  }
}

/** Bad input from the user: a malformed address, an unknown field name, a zero length... */
export class InvalidArgument extends ProcError {
  readonly kind = "InvalidArgument";
}

/** Something named by the user does not exist (no such fd, no such sysctl key, no such symbol). */
export class NotFound extends ProcError {
  readonly kind = "NotFound";
}

/** The world changed under us (memory no longer holds what we wrote, a file already exists...). */
export class Conflict extends ProcError {
  readonly kind = "Conflict";
}

export function isProcError(error: unknown): error is ProcError {
  return error instanceof ProcError;
}

export function errnoCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

/**
 * Runs `read`; a ProcError becomes null with its message recorded under `name` in `errors`
 * (fields that could not be read are null with a reason, never missing). Other errors are bugs
 * and propagate.
 * const load = readOrRecord(errors, "load", () => procFs.parse("loadavg", parseLoadavg));
 */
export function readOrRecord<T>(errors: Record<string, string>, name: string, read: () => T): T | null {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ProcError)) throw error;
    errors[name] = error.message;
    return null;
  }
}
