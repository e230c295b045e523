/** Query parameters, checked: a malformed one is a 400, never a guess. */
import type { Context } from "hono";
import { ApiError } from "./respond.js";

/**
 * The value of query parameter `name` as its documented type; undefined when absent.
 * ?smaps=1, ?smaps=true → true; ?smaps=0, ?smaps=false → false; ?min=8 → 8.
 */
export function queryParamValue(c: Context, name: string, type: "string" | "integer" | "boolean"): string | number | boolean | undefined {
  const text = c.req.query(name);
  if (text === undefined) return undefined;
  if (type === "string") return text;
  if (type === "integer") {
    if (!/^\d{1,15}$/.test(text)) throw new ApiError(400, "invalid-argument", `${name} must be a whole number, got "${text}"`);
    return Number(text);
  }
  if (text === "" || text === "1" || text === "true") return true;
  if (text === "0" || text === "false") return false;
  throw new ApiError(400, "invalid-argument", `${name} must be true or false, got "${text}"`);
}

/** The request body, which must be a JSON object: 400 otherwise. */
export async function jsonBody(c: { req: { json(): Promise<unknown> } }): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new ApiError(400, "invalid-argument", "the request body must be a JSON object");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw new ApiError(400, "invalid-argument", "the request body must be a JSON object");
  return body as Record<string, unknown>;
}
