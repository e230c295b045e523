/**
 * The API's routes, one table: the app registers each route from it and the OpenAPI document is
 * built from it, so the two cannot drift. Each handler calls the same library function (or shared
 * query in src/queries/) the matching CLI command calls and returns its result unchanged; the only
 * change on the way out is secret redaction (command lines and environments).
 */
import type { Context } from "hono";
import type { ProcessContext } from "../model/reader.js";

/** A query parameter, documented in the OpenAPI document. */
export interface QueryParam {
  readonly name: string;
  readonly type: "string" | "integer" | "boolean";
  readonly description: string;
  readonly required?: boolean;
}

/** What a handler gets besides the request. */
export interface ApiContext {
  readonly context: ProcessContext;
  readonly allowActions: boolean;
  /** Where memory writes journal their old bytes. */
  readonly journalPath: (pid: number, startTimeTicks: number) => string;
  /** The directory of journals undo may name. */
  readonly journalDir: string;
  /** Aborted when the server stops or the client goes away. */
  readonly signal: AbortSignal;
}

export interface RouteSpec {
  readonly method: "GET" | "POST";
  /** Hono path syntax: /api/processes/:pid/maps */
  readonly path: string;
  readonly summary: string;
  /** The CLI command whose --json this returns, for the document. */
  readonly cli?: string;
  readonly query?: readonly QueryParam[];
  /** Name of the response schema in src/model/ (resolved when the document is built). */
  readonly schema?: string;
  /** An action: refused with 403 read-only unless the server allows actions; audit-logged. */
  readonly action?: boolean;
  /** Raw bytes (application/octet-stream, a file download) instead of JSON. */
  readonly download?: boolean;
  /** Server-Sent Events instead of JSON. */
  readonly stream?: boolean;
  /** For a stream: the schema name of each event's data, by event name. */
  readonly events?: Readonly<Record<string, string>>;
  /** JSON body fields of a POST, documented. */
  readonly body?: readonly QueryParam[];
  /** The result (serialized as JSON, secrets redacted), or a Response passed through as it is. */
  readonly handler: (c: Context, api: ApiContext) => Promise<unknown> | unknown;
}

/** "/api/processes/:pid/maps" → "/api/processes/{pid}/maps" */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, "{$1}");
}
