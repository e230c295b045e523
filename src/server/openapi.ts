/**
 * The OpenAPI 3.1 document, built from the route table and the TypeBox schemas of src/model/
 * (TypeBox schemas are JSON Schema, which OpenAPI 3.1 takes as they are).
 */
import { openApiPath, type RouteSpec } from "./routes.js";

export const ERROR_SCHEMA = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["kind", "message"],
      properties: { kind: { type: "string" }, message: { type: "string" } },
    },
  },
} as const;

const ERROR_STATUSES: Readonly<Record<string, string>> = {
  "400": "bad input (a malformed PID, address, length over the cap, bad regex, unknown signal)",
  "401": "no token, or a wrong one",
  "403": "denied: by the kernel, a foreign Host or Origin, or actions on a read-only server",
  "404": "no such process (or no such thing)",
  "409": "memory or a file changed under the request",
  "410": "the process exited while being read (or PID@STARTTICKS names one that has exited)",
};

/**
 * schemas: name → JSON Schema, for the names routes give; "X[]" is an array of X.
 * A route whose schema is not (yet) known gets an open schema, said in its description.
 */
export function buildOpenApi(
  routes: readonly RouteSpec[],
  schemas: Readonly<Record<string, unknown>>,
  version: string,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const components: Record<string, unknown> = { Error: ERROR_SCHEMA };
  const ref = (name: string | undefined): unknown => {
    if (name === undefined) return {};
    const array = name.endsWith("[]");
    const base = array ? name.slice(0, -2) : name;
    const schema = schemas[base];
    if (schema === undefined) return array ? { type: "array", items: {} } : {};
    components[base] = schema;
    const one = { $ref: `#/components/schemas/${base}` };
    return array ? { type: "array", items: one } : one;
  };
  for (const route of routes) {
    const p = openApiPath(route.path);
    const parameters: unknown[] = [];
    for (const match of route.path.matchAll(/:([A-Za-z]+)/g))
      parameters.push({
        name: match[1],
        in: "path",
        required: true,
        schema: { type: "string" },
        ...(match[1] === "pid" ? { description: "process ID, or PID@STARTTICKS (410 if that process has exited)" } : {}),
      });
    for (const q of route.query ?? [])
      parameters.push({ name: q.name, in: "query", required: q.required === true, description: q.description, schema: { type: q.type } });
    const responses: Record<string, unknown> = {};
    if (route.stream)
      responses["200"] = {
        description: "a Server-Sent Events stream; each event's data is one JSON document",
        content: { "text/event-stream": { schema: { type: "string" } } },
        ...(route.events
          ? { "x-procscope-events": Object.fromEntries(Object.entries(route.events).map(([event, schema]) => [event, ref(schema)])) }
          : {}),
      };
    else if (route.download)
      responses["200"] = {
        description: "the file's bytes (Content-Disposition: attachment, with a file name)",
        content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
      };
    else responses["200"] = { description: "the result", content: { "application/json": { schema: ref(route.schema) } } };
    for (const [status, description] of Object.entries(ERROR_STATUSES))
      responses[status] = { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
    const operation: Record<string, unknown> = {
      summary: route.summary,
      ...(route.cli ? { description: `The result of \`procscope ${route.cli}\`.` } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      responses,
      ...(route.action ? { "x-procscope-action": true } : {}),
    };
    if (route.body) {
      const properties: Record<string, unknown> = {};
      for (const field of route.body) properties[field.name] = { type: field.type, description: field.description };
      operation.requestBody = {
        required: true,
        content: {
          "application/json": {
            schema: {
              type: "object",
              properties,
              required: route.body.filter((f) => f.required).map((f) => f.name),
              additionalProperties: false,
            },
          },
        },
      };
    }
    paths[p] ??= {};
    (paths[p] as Record<string, unknown>)[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "procscope",
      version,
      description:
        "Processes, memory, files, threads and the kernel of one Linux machine, read from /proc. Every /api/ request needs the token (Authorization: Bearer TOKEN, or the cookie set by opening the URL procscope serve prints).",
    },
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: "http", scheme: "bearer" }, cookie: { type: "apiKey", in: "cookie", name: "procscope_token" } },
    },
    security: [{ bearer: [] }, { cookie: [] }],
    paths,
  };
}
