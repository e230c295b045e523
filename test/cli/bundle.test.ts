import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";

describe("the bundled CLI (dist/bin)", () => {
  it("is one CommonJS file that runs in strict mode, as the ES modules it is built from did", () => {
    const lines = fs.readFileSync(BIN, "utf8").split("\n", 3);
    expect(lines[0]).toBe("#!/usr/bin/env node");
    // A directive counts only as the first statement: the banner must not push it down.
    expect(lines[1]).toBe('"use strict";');
    expect(fs.readdirSync(path.dirname(BIN)).filter((name) => /\.(c|m)?js$/.test(name))).toEqual(["procscope.cjs", "strings-worker.js"]);
  });
});
