/**
 * Answers and errors: JSON with bigints as hex strings (the CLI's serializer), library errors
 * mapped to statuses (400 bad input, 403 denied, 404 no such thing, 409 conflict, 410 the process
 * exited while being read), and the secret redaction applied to every answer.
 */
import type { Context } from "hono";
import type { ProcFs } from "../access/proc-fs.js";
import { toJson } from "../cli/render/json.js";
import { ProcError, ProcessGone } from "../errors.js";
import { REDACTED, redactCmdline, redactEnviron } from "../processes/secrets.js";
import { processStartTicks } from "../processes/signal.js";

export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 410 | 413 | 422 | 500 | 503;

/** An error the API answers with a status and a kind. */
export class ApiError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

const KIND_STATUS: Readonly<Record<string, [ErrorStatus, string]>> = {
  InvalidArgument: [400, "invalid-argument"],
  AccessDenied: [403, "access-denied"],
  ProcessGone: [410, "process-gone"],
  NotFound: [404, "not-found"],
  Conflict: [409, "conflict"],
  Unavailable: [422, "unavailable"],
  ParseError: [500, "parse-error"],
};

/** The status, kind and message an error becomes; unknown errors are 500 "internal". */
export function errorStatus(error: unknown): { status: ErrorStatus; kind: string; message: string } {
  if (error instanceof ApiError) return { status: error.status, kind: error.kind, message: error.message };
  if (error instanceof ProcError) {
    const [status, kind] = KIND_STATUS[error.kind] ?? [500, "internal"];
    return { status, kind, message: error.message };
  }
  return { status: 500, kind: "internal", message: "internal error (the server's log says more)" };
}

export function errorResponse(c: Context, error: unknown): Response {
  const { status, kind, message } = errorStatus(error);
  return jsonResponse(c, { error: { kind, message } }, status);
}

/** Compact JSON (bigints as "0x…" hex), the CLI's serializer. */
export function jsonResponse(c: Context, value: unknown, status: 200 | ErrorStatus = 200): Response {
  return c.body(toJson(value, false), status, { "Content-Type": "application/json; charset=utf-8" });
}

/** A process named in a path: "42" or "42@123456" (PID@STARTTICKS, as the UI's links carry). */
export interface Target {
  readonly pid: number;
  readonly startTimeTicks: number;
}

/**
 * Parses the :pid parameter and checks the process is there: 400 for a malformed one, 404 for no
 * such process, 410 when PID@TICKS names a process that has exited (even if the PID was reused).
 */
export function resolveTarget(procFs: ProcFs, text: string): Target {
  const match = /^(\d{1,10})(?:@(\d{1,20}))?$/.exec(text);
  const pid = match ? Number(match[1]) : 0;
  if (!match || pid === 0 || pid > 0x3fffffff)
    throw new ApiError(400, "invalid-argument", `PID must be a positive number (or PID@STARTTICKS), got "${text}"`);
  const wanted = match[2] === undefined ? undefined : Number(match[2]);
  let ticks: number;
  try {
    ticks = processStartTicks(procFs, pid);
  } catch (error) {
    if (!(error instanceof ProcessGone)) throw error;
    if (wanted !== undefined) throw new ApiError(410, "process-gone", `process ${pid}@${wanted} has exited`);
    throw new ApiError(404, "no-such-process", `no process ${pid}`);
  }
  if (wanted !== undefined && ticks !== wanted)
    throw new ApiError(410, "process-gone", `process ${pid}@${wanted} has exited (PID ${pid} now belongs to another process)`);
  return { pid, startTimeTicks: ticks };
}

/**
 * The value with every `cmdline` (argv array) and `environ` (name → value) redacted, and whether
 * anything was. Objects are copied where something changes; the input is not modified.
 */
export function redactSecrets(value: unknown): { value: unknown; redacted: boolean } {
  let redacted = false;
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < node.length; i++) {
        const item = node[i];
        if (item === null || typeof item !== "object") continue;
        const next = walk(item);
        if (next !== item) {
          copy ??= node.slice();
          copy[i] = next;
        }
      }
      return copy ?? node;
    }
    if (node === null || typeof node !== "object") return node;
    let copy: Record<string, unknown> | undefined;
    // for-in rather than Object.entries: no array per object (a listing has thousands of rows).
    for (const key in node) {
      if (!Object.hasOwn(node, key)) continue;
      const child = (node as Record<string, unknown>)[key];
      let next = child;
      if (key === "cmdline" && Array.isArray(child) && child.every((a) => typeof a === "string")) {
        const result = redactCmdline(child as string[]);
        if (result.redacted) {
          next = result.argv;
          redacted = true;
        }
      } else if (
        key === "environ" &&
        child !== null &&
        typeof child === "object" &&
        !Array.isArray(child) &&
        Object.values(child).every((v) => typeof v === "string")
      ) {
        const result = redactEnviron(child as Record<string, string>);
        if (result.redacted) {
          next = result.environ;
          redacted = true;
        }
      } else if (child !== null && typeof child === "object") next = walk(child);
      if (next !== child) {
        copy ??= { ...(node as Record<string, unknown>) };
        copy[key] = next;
      }
    }
    return copy ?? node;
  };
  return { value: walk(value), redacted };
}

export { REDACTED };
