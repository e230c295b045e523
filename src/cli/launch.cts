#!/usr/bin/env node
/**
 * The `procscope` executable: runs the bundled CLI from V8's code cache when there is one for it.
 * A command runs from its module's bundle (procscope-processes.cjs for ps, tree and show; see
 * commands/groups.js); help, typos and the program's options from procscope-main.cjs, which has
 * every command. Compiling a bundle without its cache took ~10 ms of every start on Node 20 (855
 * KB then); from the cache it takes ~1 ms.
 * Node 22 can do this itself (module.enableCompileCache); Node 20 needs vm.Script.
 *
 * The build writes the cache (scripts/bundle-cli.mjs runs this file with PROCSCOPE_CODE_CACHE=write)
 * after the bundle, and deletes both before rebuilding. V8 itself refuses a cache from another V8
 * version or other flags, but of the source it only checks the length: a cache older than the
 * bundle (the bundle was edited after the build) is not offered at all. V8 does not checksum the
 * cache's contents, so the cache is trusted as the code beside it is; it is written whole or not
 * at all. PROCSCOPE_CODE_CACHE=report says on stderr what happened.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { bundleName, groupOf } from "./commands/groups.js";

/**
 * Commands that read, print and exit in well under a second. Their code runs a few hundred times
 * at most, so V8's optimizing compiler costs more than it gives: without it (--no-opt) and with a
 * young generation that does not grow (most of what a listing allocates is garbage at once),
 * `ps` and `lsof` over 1000 processes used ~40 % less CPU and touched ~30 % fewer pages (each
 * first touch costs ~15 µs on these VMs). Compute-heavy and interactive commands (top, search,
 * strings…) keep V8's defaults; the two servers have their own flags below.
 */
const SHORT_COMMANDS = new Set([
  "ps",
  "tree",
  "show",
  "fds",
  "lsof",
  "peers",
  "net",
  "pipeline",
  "sys",
  "maps",
  "read",
  "threads",
  "stack",
  "blocked",
  "ksym",
  "sysctl",
  "schema",
  "help",
]);
const SHORT_FLAGS = "--no-opt --semi-space-growth-factor=1";
/**
 * The exporter runs for months beside what it watches, so its resident memory counts more than
 * a few ms of a scrape it does in a fraction of process-exporter's time. The flags are set here,
 * after V8 has made its heap, so only those V8 reads as it goes take effect: a young generation
 * that never grows past its initial 1 MiB per semi-space (--semi-space-growth-factor=1; a
 * --max-semi-space-size set now is ignored, and that flag alone left the young generation to grow
 * to 16 MiB per semi-space, 32 MiB resident), and V8's optimize-for-size heuristics. With 1000
 * extra processes (2026-12-03, 2 cores): 94 MiB resident with the ignored flag, 60-66 MiB with
 * these (goal: under 80), the scrape unchanged at ~190 ms against process-exporter's ~420 ms.
 */
const LEAN_COMMANDS = new Set(["exporter"]);
const LEAN_FLAGS = "--semi-space-growth-factor=1 --optimize-for-size";
/**
 * serve runs for days with a browser streaming from it: the same fixed young generation, without
 * optimize-for-size, which cost it ~30 % more CPU. Three-minute soaks with 1000 extra processes
 * and a client streaming /api/events (2026-12-03, 2 cores): RSS 105 MiB with V8's defaults, 80 MiB
 * with this flag, 73 MiB with the exporter's two; server CPU 58-65, 62 and 82 ms per second.
 * /api/processes took 74 ms with it and 86 ms without in back-to-back bench runs (Glances: 226-250).
 */
const SERVER_COMMANDS = new Set(["serve"]);
const SERVER_FLAGS = "--semi-space-growth-factor=1";
const command = process.argv[2];
const short = command === undefined || command.startsWith("-") || SHORT_COMMANDS.has(command);
// Before anything is compiled, and the same flags the build wrote the code cache under: V8
// accepts a cache only under the flags it was made with.
if (short) v8.setFlagsFromString(SHORT_FLAGS);
else if (command !== undefined && LEAN_COMMANDS.has(command)) v8.setFlagsFromString(LEAN_FLAGS);
else if (command !== undefined && SERVER_COMMANDS.has(command)) v8.setFlagsFromString(SERVER_FLAGS);

const group = groupOf(command);
const main = path.join(__dirname, `${group === undefined ? "procscope-main" : bundleName(group)}.cjs`);
const cacheFile = `${main}.cache`;
let source: string;
try {
  // The bundle's first line is a shebang (bin.ts's): keep the line, so stack traces keep their lines.
  source = fs.readFileSync(main, "utf8").replace(/^#!/, "//");
} catch (error) {
  process.stderr.write(`procscope: cannot read ${main} (${(error as Error).message}): rebuild with \`npm run build\`\n`);
  process.exit(1);
}
let cachedData: Buffer | undefined;
let unused = "missing";
if (!short) unused = "not for this command (the cache is made under the short commands' V8 flags)";
else
  try {
    const cacheTime = fs.statSync(cacheFile).mtimeMs;
    if (cacheTime >= fs.statSync(main).mtimeMs) cachedData = fs.readFileSync(cacheFile);
    else unused = "older than the bundle";
  } catch {
    // No cache (not built, or removed): compile as require() would.
  }
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: main,
  cachedData,
  // import() with a computed specifier is the one kind the bundle keeps (Node ≥ 20.12 has this).
  importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
const mode = process.env.PROCSCOPE_CODE_CACHE;
if (mode === "report") {
  process.stderr.write(`code cache: ${cachedData === undefined ? unused : script.cachedDataRejected ? "rejected" : "accepted"}\n`);
} else if (mode === "write") {
  // After the run, so the functions it compiled lazily are in the cache too. Written under another
  // name and renamed, so a cache is never seen half written.
  process.once("exit", () => {
    fs.writeFileSync(`${cacheFile}.tmp`, script.createCachedData());
    fs.renameSync(`${cacheFile}.tmp`, cacheFile);
  });
}
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(main), module, main, __dirname);
