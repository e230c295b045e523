/**
 * Checking a command's --json against `procscope schema COMMAND` (TypeBox's Value.Check), for
 * tests outside the contract test: the first errors are named on failure.
 */
import { FormatRegistry, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { expect } from "vitest";
import { COMMAND_CONTRACTS } from "../../src/model/commands.js";

if (!FormatRegistry.Has("date-time")) FormatRegistry.Set("date-time", (value) => !Number.isNaN(Date.parse(value)));

const schemas = new Map<string, Promise<TSchema>>();

/** The schema `procscope schema COMMAND` prints. */
export function commandSchema(command: string): Promise<TSchema> {
  const contract = COMMAND_CONTRACTS[command];
  if (!contract) throw new Error(`no JSON contract for ${command}`);
  let schema = schemas.get(command);
  if (!schema) {
    schema = contract.schema();
    schemas.set(command, schema);
  }
  return schema;
}

/** Parses stdout of `COMMAND ... --json` (a document, or NDJSON lines) and fails unless each matches the schema. */
export async function expectValidJson(command: string, stdout: string, what = command): Promise<unknown[]> {
  const schema = await commandSchema(command);
  const ndjson = COMMAND_CONTRACTS[command]?.framing === "ndjson";
  let documents: unknown[];
  try {
    documents = ndjson
      ? stdout
          .split("\n")
          .filter((l) => l !== "")
          .map((l) => JSON.parse(l))
      : [JSON.parse(stdout)];
  } catch (error) {
    expect.fail(`${what} --json is not valid JSON (${(error as Error).message}); it ends with ${JSON.stringify(stdout.slice(-200))}`);
  }
  for (const [i, document] of documents.entries()) {
    if (Value.Check(schema, document)) continue;
    const errors = [...Value.Errors(schema, document)]
      .slice(0, 5)
      .map((e) => `${e.path || "/"}: ${e.message} (got ${JSON.stringify(e.value)?.slice(0, 120)})`);
    expect.fail(`${what} --json${ndjson ? ` line ${i + 1}` : ""} does not match its schema:\n  ${errors.join("\n  ")}`);
  }
  return documents;
}
