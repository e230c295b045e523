/**
 * The server's guards, in the order they run on every request: security headers on every
 * response, the Host allow-list (DNS rebinding), same-origin for anything but GET/HEAD (CSRF), and
 * the token (Bearer header or the HttpOnly cookie set by opening the printed URL) for /api/.
 * No CORS headers are ever sent, so other origins' scripts cannot read any answer.
 */
import type { Context, MiddlewareHandler } from "hono";
import { sameToken } from "./token.js";

export const COOKIE_NAME = "procscope_token";

/** default-src 'self' with no inline script, no eval, no framing. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** `{"error":{"kind","message"}}` with a status. */
export function errorBody(
  c: Context,
  status: 400 | 401 | 403 | 404 | 405 | 409 | 410 | 422 | 500 | 503,
  kind: string,
  message: string,
): Response {
  return c.json({ error: { kind, message } }, status);
}

/** The host name of a Host header: "localhost:7878" → "localhost", "[::1]:80" → "[::1]". */
export function hostName(host: string): string {
  const trimmed = host.trim().toLowerCase();
  if (trimmed.startsWith("[")) {
    const end = trimmed.indexOf("]");
    return end < 0 ? trimmed : trimmed.slice(0, end + 1);
  }
  const colon = trimmed.lastIndexOf(":");
  return colon < 0 ? trimmed : trimmed.slice(0, colon);
}

/** The names a Host header may carry: loopback names, the bound host, and the extra ones. */
export function allowedHostNames(bound: string, extra: readonly string[]): Set<string> {
  const names = new Set(["localhost", "127.0.0.1", "[::1]"]);
  for (const name of [bound, ...extra]) {
    const lower = name.trim().toLowerCase();
    if (lower === "") continue;
    names.add(lower.includes(":") && !lower.startsWith("[") ? `[${lower}]` : lower);
  }
  return names;
}

export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  };
}

export function hostGuard(allowed: ReadonlySet<string>): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("host");
    if (host === undefined || !allowed.has(hostName(host)))
      return errorBody(c, 403, "forbidden-host", `the Host header ${JSON.stringify(host ?? "")} is not one this server answers to`);
    return next();
  };
}

/** Anything but GET/HEAD must come from the server's own origin (or no browser at all). */
export function originGuard(secure: boolean): MiddlewareHandler {
  return async (c, next) => {
    const method = c.req.method;
    if (method === "GET" || method === "HEAD") return next();
    const origin = c.req.header("origin");
    const site = c.req.header("sec-fetch-site");
    const own = `${secure ? "https" : "http"}://${(c.req.header("host") ?? "").toLowerCase()}`;
    if ((origin !== undefined && origin.toLowerCase() !== own) || (site !== undefined && site !== "same-origin" && site !== "none"))
      return errorBody(c, 403, "cross-origin", `a ${method} request from another origin (${origin ?? site}) is refused`);
    return next();
  };
}

/** The token from "Authorization: Bearer T" or the cookie, or undefined. */
export function requestToken(c: Context): string | undefined {
  const authorization = c.req.header("authorization");
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1] : "";
  }
  const cookies = c.req.header("cookie");
  if (cookies === undefined) return undefined;
  for (const part of cookies.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE_NAME) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function tokenGuard(token: string): MiddlewareHandler {
  return async (c, next) => {
    const given = requestToken(c);
    if (given === undefined)
      return errorBody(
        c,
        401,
        "unauthorized",
        "this API needs the token: open the URL procscope serve printed, or send Authorization: Bearer TOKEN",
      );
    if (!sameToken(given, token)) return errorBody(c, 401, "unauthorized", "wrong token");
    return next();
  };
}

/** The Set-Cookie value that opening the printed URL sets. */
export function tokenCookie(token: string, secure: boolean): string {
  return `${COOKIE_NAME}=${token}; Path=/; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}
