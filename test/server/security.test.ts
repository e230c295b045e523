/**
 * The server's guards through createApp() and app.request(), no socket: token, Host, Origin,
 * headers on every route, read-only actions and the audit log, secret redaction and reveal, the
 * token file's mode.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { createProcessContext } from "../../src/processes/context.js";
import { redactCmdline, redactEnviron } from "../../src/processes/secrets.js";
import { type App, createApp, type ServerDeps } from "../../src/server/app.js";
import type { AuditRecord } from "../../src/server/audit.js";
import { CONTENT_SECURITY_POLICY } from "../../src/server/security.js";
import { loadOrCreateToken } from "../../src/server/token.js";
import { startProcess } from "../helpers/live.js";

const TOKEN = "t0ken-of-the-test-suite-0123456789abcdef";
const context = createProcessContext(openProcFs("/proc"));
const apps: App[] = [];
afterAll(() => {
  for (const a of apps) a.close();
});

function makeApp(overrides: Partial<ServerDeps> = {}) {
  const audit: AuditRecord[] = [];
  const server = createApp({
    context,
    token: TOKEN,
    host: "127.0.0.1",
    allowActions: false,
    audit: (record) => audit.push(record),
    webRoot: null,
    journalPath: (pid, start) => path.join(os.tmpdir(), `journal-${pid}-${start}.jsonl`),
    journalDir: os.tmpdir(),
    version: "test",
    ...overrides,
  });
  apps.push(server);
  const request = (url: string, init: RequestInit & { token?: string | null; host?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("host")) headers.set("host", init.host ?? "127.0.0.1:7878");
    if (init.token !== null && !headers.has("authorization") && !headers.has("cookie"))
      headers.set("authorization", `Bearer ${init.token ?? TOKEN}`);
    return server.app.request(`http://127.0.0.1:7878${url}`, { ...init, headers });
  };
  return { server, audit, request };
}

describe("serve security", () => {
  it("answers /api/ without a token or with a wrong one with 401 and no data", async () => {
    const { request } = makeApp();
    for (const init of <(RequestInit & { token?: string | null })[]>[
      { token: null },
      { token: "wrong" },
      { token: null, headers: { authorization: "Basic abc" } },
      { token: null, headers: { cookie: "procscope_token=nope" } },
    ]) {
      const response = await request("/api/processes", init);
      expect(response.status).toBe(401);
      const body = await response.json();
      expect(body).toEqual({ error: { kind: "unauthorized", message: expect.any(String) } });
    }
    expect((await request("/api/processes?pid=1")).status).toBe(200);
  });

  it("takes the token from the HttpOnly SameSite=Strict cookie that opening the printed URL sets, and drops it from the address", async () => {
    const { request } = makeApp();
    const opened = await request(`/?token=${TOKEN}`, { token: null });
    expect(opened.status).toBe(303);
    expect(opened.headers.get("location")).toBe("/");
    const cookie = opened.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const deep = await request(`/processes/1?tab=memory&token=${TOKEN}`, { token: null });
    expect(deep.headers.get("location")).toBe("/processes/1?tab=memory");
    const pair = cookie.split(";")[0] as string;
    expect((await request("/api/processes?pid=1", { token: null, headers: { cookie: pair } })).status).toBe(200);
    expect((await request("/?token=wrong", { token: null })).status).toBe(401);
  });

  it("refuses a Host header it does not know with 403 (DNS rebinding), and accepts --allow-host names", async () => {
    const { request } = makeApp({ allowHosts: ["box.example"] });
    for (const host of ["evil.example", "evil.example:7878", "127.0.0.1.evil.example"]) {
      const response = await request("/api/processes?pid=1", { host });
      expect(response.status, host).toBe(403);
      expect(((await response.json()) as { error: { kind: string } }).error.kind).toBe("forbidden-host");
    }
    for (const host of ["localhost:7878", "127.0.0.1", "[::1]:7878", "box.example:7878", "BOX.example"])
      expect((await request("/api/processes?pid=1", { host })).status, host).toBe(200);
  });

  it("refuses a POST from another origin with 403 before anything else happens", async () => {
    const { request, audit } = makeApp({ allowActions: true });
    const response = await request("/api/processes/1/signal", {
      method: "POST",
      headers: { origin: "http://evil.example", "content-type": "application/json" },
      body: JSON.stringify({ signal: "CONT" }),
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { kind: string } }).error.kind).toBe("cross-origin");
    const site = await request("/api/processes/1/signal", { method: "POST", headers: { "sec-fetch-site": "cross-site" }, body: "{}" });
    expect(site.status).toBe(403);
    expect(audit).toEqual([]);
    // The server's own origin passes the guard (and reaches the action).
    const own = await request("/api/processes/999999999/signal", {
      method: "POST",
      headers: { origin: "http://127.0.0.1:7878" },
      body: JSON.stringify({ signal: "CONT" }),
    });
    expect(own.status).toBe(404);
  });

  it("sends no CORS headers, even to a preflight", async () => {
    const { request } = makeApp();
    const response = await request("/api/processes", {
      method: "OPTIONS",
      headers: { origin: "http://evil.example", "access-control-request-method": "GET" },
    });
    for (const name of response.headers.keys()) expect(name).not.toMatch(/^access-control-/);
    const get = await request("/api/processes?pid=1", { headers: { origin: "http://evil.example" } });
    for (const name of get.headers.keys()) expect(name).not.toMatch(/^access-control-/);
  });

  it("puts the CSP, nosniff, no-referrer and frame-ancestors headers on every route, errors included", async () => {
    const { server, request } = makeApp();
    const urls = [
      ...server.routes
        .filter((r) => r.method === "GET" && !r.stream)
        .map((r) => r.path.replace(":pid", String(process.pid)).replace(":name", "loadavg")),
      "/",
      "/no/such/page",
      "/processes/1",
      "/api/nope",
    ];
    for (const [url, init] of [
      ...urls.map((u) => [u, {}] as const),
      ["/api/processes", { token: null }] as const,
      ["/api/processes", { host: "evil.example" }] as const,
      ["/api/processes/1/signal", { method: "POST", body: "{}" }] as const,
    ]) {
      const response = await request(url, init);
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp, url).toBe(CONTENT_SECURITY_POLICY);
      expect(csp).toMatch(/default-src 'self'/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(response.headers.get("x-content-type-options"), url).toBe("nosniff");
      expect(response.headers.get("referrer-policy"), url).toBe("no-referrer");
      await response.arrayBuffer();
    }
  });

  it("refuses actions with 403 read-only when not allowed, and audit-logs each attempt", async () => {
    const sleeper = await startProcess("sleep", ["300"]);
    const { request, audit } = makeApp();
    const response = await request(`/api/processes/${sleeper.pid}/signal`, { method: "POST", body: JSON.stringify({ signal: "TERM" }) });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: { kind: "read-only", message: expect.stringContaining("--allow-actions") } });
    for (const url of [`/api/processes/${sleeper.pid}/replace`, `/api/processes/${sleeper.pid}/write`, "/api/undo", "/api/sysctl"])
      expect((await request(url, { method: "POST", body: "{}" })).status, url).toBe(403);
    expect(audit).toHaveLength(5);
    expect(audit[0]).toMatchObject({
      endpoint: `/api/processes/${sleeper.pid}/signal`,
      method: "POST",
      pid: sleeper.pid,
      outcome: "refused",
    });
    expect(audit[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The process is untouched.
    expect(fs.existsSync(`/proc/${sleeper.pid}`)).toBe(true);
  });

  it("audit-logs an allowed signal with the process's identity and outcome", async () => {
    const sleeper = await startProcess("sleep", ["300"]);
    const { request, audit } = makeApp({ allowActions: true });
    const ticks = Number(fs.readFileSync(`/proc/${sleeper.pid}/stat`, "utf8").split(") ")[1]?.split(" ")[19]);
    const bad = await request(`/api/processes/${sleeper.pid}/signal`, { method: "POST", body: JSON.stringify({ signal: "NOPE" }) });
    expect(bad.status).toBe(400);
    const exited = new Promise((resolve) => sleeper.child.once("exit", (_code, signal) => resolve(signal)));
    const response = await request(`/api/processes/${sleeper.pid}@${ticks}/signal`, {
      method: "POST",
      body: JSON.stringify({ signal: "TERM" }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ pid: sleeper.pid, startTimeTicks: ticks, signal: "SIGTERM", number: 15 });
    expect(await exited).toBe("SIGTERM");
    expect(audit.map((a) => a.outcome)).toEqual(["failed", "allowed"]);
    expect(audit[1]).toMatchObject({ pid: sleeper.pid, startTimeTicks: ticks, endpoint: `/api/processes/${sleeper.pid}@${ticks}/signal` });
    const again = await request(`/api/processes/${sleeper.pid}@${ticks}/signal`, {
      method: "POST",
      body: JSON.stringify({ signal: "TERM" }),
    });
    expect(again.status).toBe(410);
  });

  it("redacts secrets in command lines and environments unless ?reveal=secrets, which is audit-logged", async () => {
    const env = { PATH: process.env.PATH ?? "/usr/bin", DB_PASSWORD: "hunter2", HARMLESS: "AKIAIOSFODNN7EXAMPLE", PLAIN: "visible" };
    const child = await startProcess(
      "python3",
      [
        "-c",
        "import time; print('ready', flush=True); time.sleep(300)",
        "--password=hunter2",
        "--token",
        "sekrit",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
      ],
      { env, ready: "ready" },
    );
    const { request, audit } = makeApp();
    const listed = (await (await request(`/api/processes?pid=${child.pid}`)).json()) as { cmdline: string[] }[];
    expect(listed[0]?.cmdline?.slice(3)).toEqual(["--password=[redacted]", "--token", "[redacted]", "[redacted]"]);
    const environ = (await (await request(`/api/processes/${child.pid}/environ`)).json()) as { environ: Record<string, string> };
    expect(environ.environ).toMatchObject({ DB_PASSWORD: "[redacted]", HARMLESS: "[redacted]", PLAIN: "visible" });
    const shown = (await (await request(`/api/processes/${child.pid}`)).json()) as { environ: Record<string, string>; cmdline: string[] };
    expect(shown.environ.DB_PASSWORD).toBe("[redacted]");
    expect(JSON.stringify(shown)).not.toContain("hunter2");
    expect(audit).toEqual([]);
    const revealed = (await (await request(`/api/processes/${child.pid}/environ?reveal=secrets`)).json()) as {
      environ: Record<string, string>;
    };
    expect(revealed.environ.DB_PASSWORD).toBe("hunter2");
    expect(audit).toEqual([
      expect.objectContaining({ outcome: "revealed", pid: child.pid, endpoint: `/api/processes/${child.pid}/environ` }),
    ]);
    expect((await request(`/api/processes/${child.pid}/environ?reveal=all`)).status).toBe(400);
  });

  it("writes the token file with mode 0600, reuses it, and refuses one others may read", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-token-"));
    try {
      const file = path.join(dir, "sub", "serve-token");
      const first = loadOrCreateToken(file);
      expect(first.created).toBe(true);
      expect(Buffer.from(first.token, "base64url").length).toBeGreaterThanOrEqual(16);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
      expect(loadOrCreateToken(file)).toEqual({ token: first.token, created: false });
      expect(loadOrCreateToken(path.join(dir, "other")).token).not.toBe(first.token);
      fs.chmodSync(file, 0o644);
      expect(() => loadOrCreateToken(file)).toThrow(/other users/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("secret redaction", () => {
  it("redactCmdline() hides --password=, name=value pairs, the argument after a bare secret option, known formats and URL passwords", () => {
    expect(
      redactCmdline(["mysql", "-u", "root", "--password=x", "-ptoken=y", "api_key=z", "--secret", "s", "postgres://u:pw@db/x", "keep"])
        .argv,
    ).toEqual([
      "mysql",
      "-u",
      "root",
      "--password=[redacted]",
      "-ptoken=[redacted]",
      "api_key=[redacted]",
      "--secret",
      "[redacted]",
      "postgres://u:[redacted]@db/x",
      "keep",
    ]);
    expect(redactCmdline(["curl", "-H", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abc"]).argv[2]).toBe("[redacted]");
    expect(redactCmdline(["ls", "-la", "/tmp"])).toEqual({ argv: ["ls", "-la", "/tmp"], redacted: false });
    // An option that names a file holding a secret is not the secret.
    expect(redactCmdline(["procscope", "serve", "--token-file", "/run/t", "--keyring-dir=/k"]).argv).toEqual([
      "procscope",
      "serve",
      "--token-file",
      "/run/t",
      "--keyring-dir=/k",
    ]);
  });

  it("redactCmdline() and redactEnviron() take time linear in a long argument without a URL (a 120 KB base64 blob; quadratic took minutes)", () => {
    const blob = Buffer.alloc(90_000, 7).toString("base64");
    const tail = "https://u:pw@example.org/x";
    expect(redactCmdline(["python3", "-c", blob, `${blob}${tail}`]).argv.slice(2)).toEqual([
      blob,
      `${blob}https://u:[redacted]@example.org/x`,
    ]);
    expect(redactEnviron({ BLOB: `${"a".repeat(120_000)} ${tail}` }).environ.BLOB).toBe(
      `${"a".repeat(120_000)} https://u:[redacted]@example.org/x`,
    );
  });

  it("redactEnviron() hides values whose name looks secret or whose value is a known secret format", () => {
    const { environ } = redactEnviron({
      HOME: "/root",
      MY_PASS: "a",
      GITHUB_TOKEN: "b",
      AWS_SECRET_ACCESS_KEY: "c",
      X_CREDENTIALS: "d",
      HTTP_AUTH: "e",
      innocent: "-----BEGIN OPENSSH PRIVATE KEY-----\nabc",
      GH: "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
    });
    expect(environ).toEqual({
      HOME: "/root",
      MY_PASS: "[redacted]",
      GITHUB_TOKEN: "[redacted]",
      AWS_SECRET_ACCESS_KEY: "[redacted]",
      X_CREDENTIALS: "[redacted]",
      HTTP_AUTH: "[redacted]",
      innocent: "[redacted]",
      GH: "[redacted]",
    });
  });
});
