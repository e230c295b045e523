import { readFileSync } from "node:fs";
import { ParseError } from "../../src/errors.js";

/** A file copied verbatim from this project's VM (kernel 6.18) into test/fixtures/captured/. */
export function captured(name: string): string {
  return readFileSync(new URL(`../fixtures/captured/${name}.txt`, import.meta.url), "utf8");
}

/** Runs `parse` and returns the ParseError it threw; fails the test on success or on another error. */
export function parseErrorOf(parse: () => unknown): ParseError {
  try {
    parse();
  } catch (error) {
    if (error instanceof ParseError) return error;
    throw error;
  }
  throw new Error("expected a ParseError, but parsing succeeded");
}
