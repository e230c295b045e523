/** The OpenAPI document matches what the app serves: the same routes, and answers its schemas accept. */
import { FormatRegistry, TypeRegistry } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { afterAll, describe, expect, it } from "vitest";
import { openApiPath } from "../../src/server/routes.js";
import { API_SCHEMAS } from "../../src/server/schemas.js";
import { createTestApp } from "../helpers/serve.js";

// TypeBox checks formats only when told how.
if (!FormatRegistry.Has("date-time")) FormatRegistry.Set("date-time", (v) => /^\d{4}-\d\d-\d\dT/.test(v) && !Number.isNaN(Date.parse(v)));
// The model's hex strings (bigints in the library) are Type.Unsafe with a pattern.
if (!TypeRegistry.Has("Unsafe"))
  TypeRegistry.Set("Unsafe", (schema: { type?: string; pattern?: string }, value) =>
    schema.type === "string" ? typeof value === "string" && new RegExp(schema.pattern ?? "").test(value) : true,
  );

const TOKEN = "openapi-test-token-0123456789abcdef";
const server = createTestApp(TOKEN, {
  onError: (error) => {
    throw error;
  },
});
afterAll(() => server.close());

const get = async (path: string) => {
  const response = await server.app.request(`http://127.0.0.1${path}`, {
    headers: { host: "127.0.0.1", authorization: `Bearer ${TOKEN}` },
  });
  expect(response.status, path).toBe(200);
  return response.json() as Promise<unknown>;
};

describe("/api/openapi.json", () => {
  it("lists every /api/ route the app has, and no other", async () => {
    const document = (await get("/api/openapi.json")) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const served = server.app.routes
      .filter((r) => r.path.startsWith("/api/") && r.method !== "ALL")
      .map((r) => `${r.method} ${openApiPath(r.path)}`)
      .sort();
    expect(documented).toEqual([...new Set(served)]);
    expect(documented).toContain("GET /api/processes/{pid}/memory");
    expect(documented).toContain("POST /api/processes/{pid}/signal");
  });

  it("documents each answer with a schema that accepts what the server sends", async () => {
    const document = (await get("/api/openapi.json")) as { components: { schemas: Record<string, unknown> } };
    for (const name of Object.keys(API_SCHEMAS)) expect(document.components.schemas[name], name).toBeDefined();
    const processes = (await get(`/api/processes?pid=1,${process.pid}`)) as unknown[];
    expect(processes).toHaveLength(2);
    for (const p of processes) expect([...Value.Errors(API_SCHEMAS.Process as never, p)]).toEqual([]);
    const details = await get(`/api/processes/${process.pid}`);
    expect([...Value.Errors(API_SCHEMAS.ProcessDetails as never, details)]).toEqual([]);
    // Each documented answer that names a schema is checked against it.
    const routes = server.routes.filter((r) => r.method === "GET" && r.schema !== undefined && API_SCHEMAS[r.schema.replace("[]", "")]);
    for (const route of routes) {
      const path = route.path.replace(":pid", String(process.pid));
      const body = await get(path);
      const schema = API_SCHEMAS[(route.schema as string).replace("[]", "")] as never;
      for (const item of route.schema?.endsWith("[]") ? (body as unknown[]) : [body])
        expect([...Value.Errors(schema, item)], path).toEqual([]);
    }
  });
});
