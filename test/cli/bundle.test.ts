import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";

const MAIN = path.join(path.dirname(BIN), "procscope-main.cjs");

describe("the bundled CLI (dist/bin)", () => {
  const copies = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-bundle-"));
  afterAll(() => fs.rmSync(copies, { recursive: true, force: true }));

  /** dist/bin copied elsewhere, with `change` applied to the copy's code cache. */
  const copy = (name: string, change: (cacheFile: string) => void): string => {
    const bin = path.join(copies, name, "bin");
    fs.cpSync(path.dirname(BIN), bin, { recursive: true });
    change(path.join(bin, "procscope-main.cjs.cache"));
    return path.join(bin, "procscope.cjs");
  };
  /** stdout and stderr of `BIN --version`, asking the launcher to report on the code cache. */
  const version = (bin: string) => {
    const result = spawnSync(process.execPath, [bin, "--version"], {
      env: { ...process.env, PROCSCOPE_CODE_CACHE: "report" },
      encoding: "utf8",
    });
    expect(result.status).toBe(0);
    return { stdout: result.stdout, stderr: result.stderr };
  };

  it("is one CommonJS file that runs in strict mode, as the ES modules it is built from did", () => {
    const lines = fs.readFileSync(MAIN, "utf8").split("\n", 3);
    expect(lines[0]).toBe("#!/usr/bin/env node");
    // A directive counts only as the first statement: the banner must not push it down.
    expect(lines[1]).toBe('"use strict";');
    expect(fs.readdirSync(path.dirname(BIN)).filter((name) => /\.(c|m)?js$/.test(name))).toEqual([
      "procscope-main.cjs",
      "procscope.cjs",
      "strings-worker.js",
    ]);
  });

  it("starts from the code cache the build wrote", () => {
    const { stdout, stderr } = version(BIN);
    expect(stderr).toBe("code cache: accepted\n");
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("runs the same without its code cache, or with a damaged one", () => {
    const expected = version(BIN).stdout;
    expect(version(copy("missing", (file) => fs.rmSync(file)))).toEqual({ stdout: expected, stderr: "code cache: missing\n" });
    const damaged = copy("damaged", (file) => fs.writeFileSync(file, Buffer.alloc(4096, 0x5a)));
    expect(version(damaged)).toEqual({ stdout: expected, stderr: "code cache: rejected\n" });
  });
});
