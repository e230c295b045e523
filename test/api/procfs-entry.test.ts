/**
 * The `procscope/procfs` entry: every parser module's exports are reachable from it, and nothing
 * behind it needs Node (no `node:` import, no Buffer outside the one guarded helper), so the
 * parsers run on captured text in any JavaScript runtime.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as entry from "../../src/procfs/index.js";

const PROCFS = path.resolve("src/procfs");

function parserModules(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts") && !e.name.startsWith("_") && e.name !== "index.ts") files.push(p);
    }
  };
  walk(PROCFS);
  return files;
}

/** The files an entry reaches through relative imports. */
function reachable(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = fs.readFileSync(file, "utf8");
  for (const match of text.matchAll(/from "(\.[^"]+)\.js"/g)) reachable(path.resolve(path.dirname(file), `${match[1]}.ts`), seen);
  return seen;
}

describe("procscope/procfs", () => {
  it("exports every value every parser module exports", async () => {
    const missing: string[] = [];
    for (const file of parserModules()) {
      if (/syscalls\/(x86_64|aarch64|unified)\.ts$/.test(file)) continue;
      const module = (await import(file)) as Record<string, unknown>;
      for (const name of Object.keys(module)) if (!(name in entry)) missing.push(`${path.relative(PROCFS, file)}: ${name}`);
    }
    expect(missing).toEqual([]);
  });

  it("reaches no Node module and no Buffer outside the guarded text helper", () => {
    const files = reachable(path.join(PROCFS, "index.ts"));
    expect(files.size).toBeGreaterThan(30);
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      expect(text, file).not.toMatch(/from "node:|require\(/);
      if (!file.endsWith("_text.ts")) expect(text.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, ""), file).not.toMatch(/\bBuffer\./);
    }
  });

  it('works as `import { parsePidStat } from "procscope/procfs"` from the built package', () => {
    if (!fs.existsSync("dist/procfs/index.js")) throw new Error("dist/ is missing: run `npm run build` (npm test does) first");
    const script =
      'import { parsePidStat } from "procscope/procfs"; console.log(parsePidStat("42 (a) b) S 1 42 42 0 -1 4194560 0 0 0 0 3 4 0 0 20 0 1 0 99 1 2 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\\n").comm)';
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(out.trim()).toBe("a) b");
  });
});
