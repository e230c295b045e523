import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bundleName, COMMAND_GROUPS } from "../../src/cli/commands/groups.js";
import { VERSION } from "../../src/cli/version.js";
import { BIN } from "../helpers/cli.js";

const MAIN = path.join(path.dirname(BIN), "procscope-main.cjs");

describe("the bundled CLI (dist/bin)", () => {
  const copies = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-bundle-"));
  afterAll(() => fs.rmSync(copies, { recursive: true, force: true }));

  /** dist/bin copied elsewhere (times kept: the cache is newer than the bundle), then changed. */
  const copy = (name: string, change: (files: { main: string; cache: string }) => void): string => {
    const bin = path.join(copies, name, "bin");
    fs.cpSync(path.dirname(BIN), bin, { recursive: true, preserveTimestamps: true });
    change({ main: path.join(bin, "procscope-main.cjs"), cache: path.join(bin, "procscope-main.cjs.cache") });
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

  it("is CommonJS files that start with the strict mode directive, as ES modules are strict: one with every command, one per command module, the faces' big dependencies beside them", () => {
    const lines = fs.readFileSync(MAIN, "utf8").split("\n", 3);
    expect(lines[0]).toBe("#!/usr/bin/env node");
    // A directive counts only as the first statement: the banner must not push it down.
    expect(lines[1]).toBe('"use strict";');
    for (const group of COMMAND_GROUPS)
      expect(fs.readFileSync(path.join(path.dirname(BIN), `${bundleName(group)}.cjs`), "utf8").split("\n", 1)[0]).toBe('"use strict";');
    expect(fs.readdirSync(path.dirname(BIN)).filter((name) => /\.(c|m)?js$/.test(name))).toEqual(
      [
        "procscope-main.cjs",
        ...COMMAND_GROUPS.map((group) => `${bundleName(group)}.cjs`),
        "procscope.cjs",
        "strings-worker.js",
        "vendor-hono-node-server.cjs",
        "vendor-hono.cjs",
        "vendor-sinclair-typebox.cjs",
        "vendor-yaml.cjs",
      ].sort(),
    );
  });

  /** The bundles a run of `argv` loads (NODE_DEBUG=module names every file require() loads). */
  const loaded = (argv: string[]): string[] => {
    const result = spawnSync(process.execPath, [BIN, ...argv], { env: { ...process.env, NODE_DEBUG: "module" }, encoding: "utf8" });
    expect(result.status, result.stderr.slice(-500)).toBe(0);
    return [...new Set(result.stderr.match(/[\w-]+\.cjs/g) ?? [])].filter((name) => name !== "procscope.cjs").sort();
  };

  it("runs ps from its module's bundle alone, without the faces' dependencies", () => {
    expect(loaded(["ps", "--pid", String(process.pid)])).toEqual(["procscope-processes.cjs"]);
    expect(loaded(["lsof", "--pid", String(process.pid)])).toEqual(["procscope-files.cjs"]);
    // Help lists every command: the bundle that has them all.
    expect(loaded(["--help"])).toEqual(["procscope-main.cjs"]);
  });

  it("loads a vendor bundle when a command needs it", () => {
    const result = spawnSync(process.execPath, [BIN, "schema", "ps"], { env: { ...process.env, NODE_DEBUG: "module" }, encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).title).toBeTruthy();
    expect(result.stderr).toMatch(/vendor-sinclair-typebox\.cjs/);
  });

  it("keeps no import() of its own: each would resolve against dist/bin at run time", () => {
    // esbuild inlines every import() of a literal path; one left means a computed specifier.
    for (const name of fs.readdirSync(path.dirname(BIN)).filter((n) => n.startsWith("procscope-") && n.endsWith(".cjs")))
      expect(fs.readFileSync(path.join(path.dirname(BIN), name), "utf8").match(/\bimport\(/g), name).toBeNull();
  });

  it("starts from the code cache the build wrote", () => {
    const { stdout, stderr } = version(BIN);
    expect(stderr).toBe("code cache: accepted\n");
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("runs the same without its code cache, or with a damaged one", () => {
    const expected = version(BIN).stdout;
    expect(version(copy("missing", ({ cache }) => fs.rmSync(cache)))).toEqual({ stdout: expected, stderr: "code cache: missing\n" });
    // V8 checks a cache's header (its version, flags and the source's length), not its contents.
    const damaged = copy("damaged", ({ cache }) => fs.writeFileSync(cache, Buffer.alloc(4096, 0x5a)));
    expect(version(damaged)).toEqual({ stdout: expected, stderr: "code cache: rejected\n" });
  });

  it("says in one line that the bundle is missing, if it is", () => {
    const broken = copy("no-bundle", ({ main }) => fs.rmSync(main));
    const result = spawnSync(process.execPath, [broken, "--version"], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^procscope: cannot read \S+procscope-main\.cjs \(ENOENT[^\n]*\): rebuild with `npm run build`\n$/);
  });

  it("does not offer the cache for a bundle edited after the build, even one of the same length", () => {
    const edited = copy("edited", ({ main }) => {
      const source = fs.readFileSync(main, "utf8");
      const changed = source.replace(new RegExp(`"${VERSION.replaceAll(".", "\\.")}"`), `"${VERSION.replace(/\d/g, "9")}"`);
      expect(changed).not.toBe(source);
      expect(changed.length).toBe(source.length);
      fs.writeFileSync(main, changed);
    });
    expect(version(edited)).toEqual({
      stdout: `${version(BIN).stdout.trim().replace(/\d/g, "9")}\n`,
      stderr: "code cache: older than the bundle\n",
    });
  });
});
