import { readFileSync } from "node:fs";
import { ParseError } from "../../src/errors.js";
import { type LineProblem, problemsOf } from "../../src/procfs/_lines.js";

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

/**
 * The one line a table parser skipped, for tests of bad lines: parsing must not throw, must skip
 * exactly one line, and `message` holds its reason and excerpt (for toMatch).
 * skippedOf(() => parseMounts("bad\n")).line === 1
 */
export function skippedOf(parse: () => unknown): LineProblem & { readonly message: string } {
  const problems = problemsOf(parse());
  if (problems.length !== 1) throw new Error(`expected one skipped line, got ${JSON.stringify(problems)}`);
  const problem = problems[0] as LineProblem;
  return { ...problem, message: `${problem.reason} (got ${JSON.stringify(problem.excerpt)})` };
}

/**
 * A function throwing the one line `parse` skipped as a ParseError (line, excerpt, reason), so the
 * tests written for parsers that used to stop at a bad line keep checking the same details:
 * expect(skippedAsError(() => parseMounts("bad\n"))).toThrow(/line 1/)
 */
export function skippedAsError(parse: () => unknown): () => never {
  const problem = skippedOf(parse);
  return () => {
    throw new ParseError(problem.reason, problem.excerpt, problem.line);
  };
}
