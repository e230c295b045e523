/**
 * The public surface is checked in (api/procscope.api.md): a change to what the package exports,
 * or to an exported function's signature, fails here until the report is regenerated, so every
 * such change is visible in review.
 */
import { spawnSync } from "node:child_process";
import { expect, it } from "vitest";

it("api/procscope.api.md matches the exports of procscope and procscope/procfs", () => {
  const result = spawnSync(process.execPath, ["scripts/api-report.mjs", "--check"], { encoding: "utf8" });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
}, 120_000); // it type-checks the whole source with the compiler: tens of seconds on a loaded machine
