/**
 * `createApp(deps)`: the whole HTTP face as a Hono app, testable with `app.request()` and no
 * socket. listen.ts is the one file that binds a port.
 *
 * Order of the guards: security headers (on every answer, errors included), Host allow-list, same
 * origin for non-GET, then for /api/ the token; actions check --allow-actions and are audited.
 */
import { Hono } from "hono";
import { readSystemInfo } from "../access/system-info.js";
import type { ProcessContext } from "../model/reader.js";
import { apiRoutes } from "./api.js";
import type { AuditRecord, AuditSink } from "./audit.js";
import { createEventHub, type EventHub } from "./events.js";
import { buildOpenApi } from "./openapi.js";
import { jsonBody } from "./params.js";
import { ApiError, errorResponse, errorStatus, jsonResponse, redactSecrets } from "./respond.js";
import type { ApiContext, RouteSpec } from "./routes.js";
import { API_SCHEMAS } from "./schemas.js";
import { allowedHostNames, errorBody, hostGuard, originGuard, securityHeaders, tokenCookie, tokenGuard } from "./security.js";
import { loadStaticFiles } from "./static.js";
import { sameToken } from "./token.js";

export interface ServerDeps {
  readonly context: ProcessContext;
  readonly token: string;
  /** The --host value (allowed in Host headers). */
  readonly host: string;
  /** More names allowed in Host headers (--allow-host). */
  readonly allowHosts?: readonly string[];
  readonly allowActions: boolean;
  readonly audit: AuditSink;
  /** The built web UI (dist/web), or null to serve only the API. */
  readonly webRoot: string | null;
  readonly journalPath: (pid: number, startTimeTicks: number) => string;
  readonly journalDir: string;
  /** HTTPS: the cookie gets Secure and the own origin is https://. */
  readonly secure?: boolean;
  /** Snapshot interval of /api/events (default 1000 ms). */
  readonly eventsIntervalMs?: number;
  readonly version: string;
  /** Unexpected errors (bugs) are reported here; the client gets a 500 without details. */
  readonly onError?: (error: unknown) => void;
  readonly clock?: () => Date;
  /** More schemas for the OpenAPI document, by name (the model's are always there). */
  readonly schemas?: Readonly<Record<string, unknown>>;
}

export interface App {
  readonly app: Hono;
  readonly routes: readonly RouteSpec[];
  readonly events: EventHub;
  /** Requests whose answer is not out yet (an event stream counts until its client goes). */
  requestsInProgress(): number;
  /** Stops the event loops and closes every event stream. */
  close(): void;
}

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string } };
  outgoing?: { once(event: "close", listener: () => void): unknown };
}

export function createApp(deps: ServerDeps): App {
  const app = new Hono<{ Bindings: NodeBindings }>();
  const secure = deps.secure === true;
  const clock = deps.clock ?? (() => new Date());
  const closing = new AbortController();
  /**
   * The requests in progress, each aborted when the server closes. AbortSignal.any([request,
   * closing]) did this, but on Node 20 every signal it makes stays reachable from the server-long
   * closing signal: ~2 KB kept per request (200,000 calls kept 390 MB), for as long as the server runs.
   */
  const inProgress = new Set<AbortController>();
  /** A signal aborted when the client goes or the server closes; `release` once the answer is out. */
  const requestSignal = (c: { req: { raw: Request }; env: NodeBindings | undefined }) => {
    const controller = new AbortController();
    const release = () => {
      inProgress.delete(controller);
    };
    const request = c.req.raw.signal;
    if (request.aborted || closing.signal.aborted) controller.abort();
    else {
      inProgress.add(controller);
      request.addEventListener(
        "abort",
        () => {
          controller.abort(request.reason);
          release();
        },
        { once: true },
      );
      // A streamed answer (the event stream, a download) is out when its response closes.
      c.env?.outgoing?.once("close", release);
    }
    return { signal: controller.signal, release };
  };
  const events = createEventHub(() => freshContext(), {
    intervalMs: deps.eventsIntervalMs ?? 1000,
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
  const staticFiles = loadStaticFiles(deps.webRoot);

  // Lifetime CPU% and ages are computed against the uptime in the context: read it per request.
  const freshContext = (): ProcessContext =>
    deps.context.procFs.isLive ? { ...deps.context, system: readSystemInfo(deps.context.procFs) } : deps.context;
  const clientOf = (c: { env: NodeBindings | undefined }): string => c.env?.incoming?.socket?.remoteAddress ?? "unknown";
  const audit = (
    c: Parameters<typeof clientOf>[0] & { req: { method: string; path: string } },
    fields: Omit<AuditRecord, "time" | "client" | "method" | "endpoint">,
  ): void => deps.audit({ time: clock().toISOString(), client: clientOf(c), method: c.req.method, endpoint: c.req.path, ...fields });

  app.use("*", securityHeaders());
  app.use("*", hostGuard(allowedHostNames(deps.host, deps.allowHosts ?? [])));
  app.use("*", originGuard(secure));
  app.use("/api/*", tokenGuard(deps.token));

  app.onError((error, c) => {
    if (errorStatus(error).status === 500) deps.onError?.(error);
    return errorResponse(c, error);
  });
  app.notFound((c) => errorBody(c, 404, "not-found", `no such path: ${c.req.method} ${c.req.path}`));

  const routes: RouteSpec[] = [
    ...apiRoutes(),
    {
      method: "GET",
      path: "/api/session",
      summary: "What this server allows: actions or not, its version, the event interval",
      handler: () => ({ version: deps.version, allowActions: deps.allowActions, eventsIntervalMs: deps.eventsIntervalMs ?? 1000 }),
    },
    {
      method: "GET",
      path: "/api/events",
      summary: "Server-Sent Events: a sampled snapshot (top --once --json) each interval, and start/exit events (watch --exits --json)",
      cli: "top --once --json, watch --exits --json",
      stream: true,
      events: { snapshot: "Snapshot", start: "ProcessEvent", exit: "ProcessEvent" },
      handler: (c, api) => {
        const reveal = c.req.query("reveal") === "secrets";
        return new Response(events.stream(reveal, api.signal), {
          headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no" },
        });
      },
    },
    {
      method: "GET",
      path: "/api/openapi.json",
      summary: "This document",
      handler: () => openapi(),
    },
  ];
  let document: Record<string, unknown> | undefined;
  const openapi = () => {
    document ??= buildOpenApi(routes, { ...API_SCHEMAS, ...deps.schemas }, deps.version);
    return document;
  };

  for (const route of routes) {
    const register = route.method === "GET" ? app.get.bind(app) : app.post.bind(app);
    register(route.path, async (c) => {
      const pidText = c.req.param("pid" as never) as string | undefined;
      const pidNumber = pidText !== undefined && /^\d+/.test(pidText) ? Number.parseInt(pidText, 10) : null;
      const ticksMatch = pidText === undefined ? null : /@(\d+)$/.exec(pidText);
      const ticks = ticksMatch ? Number(ticksMatch[1]) : null;
      if (route.action && !deps.allowActions) {
        audit(c, { pid: pidNumber, startTimeTicks: ticks, outcome: "refused", detail: "read-only server (start it with --allow-actions)" });
        return errorBody(c, 403, "read-only", "this server is read-only: actions need procscope serve --allow-actions");
      }
      if (route.body) await checkBody(c, route);
      const reveal = c.req.query("reveal");
      if (reveal !== undefined && reveal !== "secrets")
        throw new ApiError(400, "invalid-argument", `reveal must be "secrets", got "${reveal}"`);
      const request = requestSignal(c);
      const api: ApiContext = {
        context: freshContext(),
        allowActions: deps.allowActions,
        journalPath: deps.journalPath,
        journalDir: deps.journalDir,
        signal: request.signal,
      };
      if (reveal === "secrets")
        audit(c, { pid: pidNumber, startTimeTicks: ticks, outcome: "revealed", detail: "secrets shown unredacted (?reveal=secrets)" });
      let result: unknown;
      try {
        result = await route.handler(c, api);
      } catch (error) {
        request.release();
        if (route.action) {
          const { kind, message } = errorStatus(error);
          audit(c, { pid: pidNumber, startTimeTicks: ticks, outcome: "failed", detail: `${kind}: ${message}` });
        }
        throw error;
      }
      if (result instanceof Response) return result;
      request.release();
      const response = jsonResponse(c, reveal === "secrets" ? result : redactSecrets(result).value);
      if (route.action) {
        const text = await response.clone().text();
        audit(c, {
          pid: pidNumber,
          startTimeTicks: ticks,
          outcome: "allowed",
          detail: text.length > 2000 ? `${text.slice(0, 2000)}…` : text.trimEnd(),
        });
      }
      return response;
    });
  }

  // The UI: opening the printed URL (?token=) sets the cookie and drops the token from the address bar.
  app.get("*", (c) => {
    const given = c.req.query("token");
    if (given !== undefined) {
      const url = new URL(c.req.url);
      url.searchParams.delete("token");
      const location = `${url.pathname}${url.search}`;
      if (!sameToken(given, deps.token)) return errorBody(c, 401, "unauthorized", "wrong token in the URL");
      return new Response(null, {
        status: 303,
        headers: { Location: location, "Set-Cookie": tokenCookie(deps.token, secure), "Cache-Control": "no-store" },
      });
    }
    const file = staticFiles.get(c.req.path) ?? (isPage(c.req.path) ? staticFiles.get("/index.html") : undefined);
    if (file === undefined) {
      if (isPage(c.req.path) && staticFiles.size === 0)
        return errorBody(c, 404, "not-found", "the web UI was not built (npm run build); the API is at /api/");
      return errorBody(c, 404, "not-found", `no such path: ${c.req.path}`);
    }
    return new Response(file.body, {
      headers: { "Content-Type": file.type, "Cache-Control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache" },
    });
  });

  return {
    app: app as unknown as Hono,
    routes,
    events,
    requestsInProgress: () => inProgress.size,
    close() {
      closing.abort();
      for (const controller of inProgress) controller.abort();
      inProgress.clear();
      events.close();
    },
  };
}

/** Paths the single-page UI answers with index.html. */
function isPage(path: string): boolean {
  return path === "/" || path === "/index.html" || /^\/processes\/[^/]+$/.test(path);
}

async function checkBody(c: { req: { json(): Promise<unknown> } }, route: RouteSpec): Promise<void> {
  const body = await jsonBody(c);
  const fields = new Map((route.body ?? []).map((f) => [f.name, f]));
  for (const [key, value] of Object.entries(body)) {
    const field = fields.get(key);
    if (field === undefined)
      throw new ApiError(400, "invalid-argument", `unknown field "${key}" (expected ${[...fields.keys()].join(", ")})`);
    if (typeof value !== (field.type === "integer" ? "number" : field.type))
      throw new ApiError(400, "invalid-argument", `"${key}" must be a ${field.type}`);
  }
  for (const field of fields.values())
    if (field.required && !(field.name in body)) throw new ApiError(400, "invalid-argument", `"${field.name}" is required`);
}
