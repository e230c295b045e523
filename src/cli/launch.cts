#!/usr/bin/env node
/**
 * The `procscope` executable: runs the bundled CLI (procscope-main.cjs, beside this file) from V8's
 * code cache when the cache fits. Compiling the 570 KB bundle took ~10 ms of every start on Node 20,
 * about a fifth of `procscope ps` on a quiet machine; from the cache it takes ~1 ms. Node 22 can
 * do this itself (module.enableCompileCache); Node 20 needs vm.Script.
 *
 * The build writes the cache (scripts/bundle-cli.mjs runs this file with PROCSCOPE_CODE_CACHE=write).
 * V8 rejects a cache made by another V8 version or for other source text, and then simply compiles:
 * a stale cache costs time, never correctness. PROCSCOPE_CODE_CACHE=report says on stderr which
 * happened.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";

const main = path.join(__dirname, "procscope-main.cjs");
const cacheFile = `${main}.cache`;
// The bundle's first line is a shebang (bin.ts's): keep the line, so stack traces keep their lines.
const source = fs.readFileSync(main, "utf8").replace(/^#!/, "//");
let cachedData: Buffer | undefined;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  // No cache (not built, or removed): compile as require() would.
}
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: main,
  cachedData,
});
const mode = process.env.PROCSCOPE_CODE_CACHE;
if (mode === "report") {
  process.stderr.write(`code cache: ${cachedData === undefined ? "missing" : script.cachedDataRejected ? "rejected" : "accepted"}\n`);
} else if (mode === "write") {
  // After the run, so the functions it compiled lazily are in the cache too.
  process.once("exit", () => fs.writeFileSync(cacheFile, script.createCachedData()));
}
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(main), module, main, __dirname);
