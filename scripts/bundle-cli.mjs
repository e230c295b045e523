#!/usr/bin/env node
// Bundles the CLI into CommonJS files: dist/bin/procscope-main.cjs with every command, and one
// bundle per command module (procscope-processes.cjs: ps, tree, show; …), started by the
// `procscope` executable dist/bin/procscope.cjs (src/cli/launch.cts) from V8's code cache, which
// this script writes last; the `strings` worker thread sits beside them. Node start-up dominates short
// commands like `ps`: Node 20 loads one CommonJS file ~20 ms faster than the same code as an entry
// ES module and its lazily imported chunks (measured on `lsof --json`; the ES module loader
// resolves, reads and links each chunk on its own), and the code cache saves ~10 ms more. The
// library in dist/ stays ES modules.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { build } from "esbuild";
import { bundleName, COMMAND_GROUPS } from "../src/cli/commands/groups.js";

/**
 * commander loads node:child_process (and with it net and streams, ~4 ms of every start) only to
 * spawn executable subcommands, which procscope has none of: hand it a stand-in that loads the
 * real module if it is ever used.
 */
const lazyChildProcessForCommander = {
  name: "lazy-child-process-for-commander",
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes("node_modules/commander/") ? { path: "child_process", namespace: "lazy" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "lazy" }, () => ({
      contents: 'let real; module.exports = new Proxy({}, { get: (_, key) => (real ??= require("node:child_process"))[key] });',
      loader: "js",
    }));
  },
};

/**
 * The big dependencies of the long-running faces (serve's Hono, the exporter's YAML, the schemas'
 * TypeBox: 550 KB of the 1.4 MB a single bundle had) go into bundles of their own beside the CLI,
 * required only when code that uses them runs. `ps` never reads, compiles or caches them: with them
 * inlined, reading and compiling the bundle had grown every start-up by ~90 ms. A dependency in a
 * file of its own is still loaded once, so nothing is duplicated between the files.
 */
const VENDORED = ["yaml", "@sinclair/typebox", "hono", "@hono/node-server"];
const vendorFile = (name) => `vendor-${name.replace(/^@/, "").replaceAll("/", "-")}.cjs`;
const vendorOwnBundles = {
  name: "vendor-own-bundles",
  setup(build) {
    build.onResolve({ filter: /^[@a-z]/ }, (args) => {
      if (!VENDORED.includes(args.path) || args.importer.includes("node_modules/")) return undefined;
      // An external import() stays import() in the bundle, which the launcher's vm.Script cannot
      // run: go through a one-line CommonJS module, whose import() esbuild turns into a require.
      if (args.kind === "dynamic-import") return { path: args.path, namespace: "vendor-require" };
      return { path: `./${vendorFile(args.path)}`, external: true };
    });
    build.onLoad({ filter: /.*/, namespace: "vendor-require" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
      resolveDir: process.cwd(),
    }));
  },
};

/**
 * esbuild turns each `import fs from "node:fs"` into its own `__toESM(require("node:fs"))`, which
 * copies every property of the module onto a new object as a getter: ~50 such copies of fs, path
 * and os ran at every start-up. These modules are only ever default-imported here, so one shared
 * `export default require(...)` per module stands in for them (a named import would fail the build).
 */
const DEFAULT_IMPORTED_BUILTINS = ["fs", "path", "os", "http", "https", "readline", "tty", "vm"];
const builtinsWithoutCopies = {
  name: "builtins-without-copies",
  setup(build) {
    const filter = new RegExp(`^node:(${DEFAULT_IMPORTED_BUILTINS.join("|")})$`);
    build.onResolve({ filter }, (args) =>
      args.importer.includes("node_modules/") || args.namespace === "builtin" ? undefined : { path: args.path, namespace: "builtin" },
    );
    build.onLoad({ filter: /.*/, namespace: "builtin" }, (args) => ({
      contents: `export default require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

fs.rmSync("dist/bin", { recursive: true, force: true });
const common = { bundle: true, platform: "node", target: "node20", outdir: "dist/bin", sourcemap: true, logLevel: "warning" };
const cli = {
  ...common,
  format: "cjs",
  outExtension: { ".js": ".cjs" },
  // import.meta.url locates the native helper and the worker script; CommonJS has __filename.
  // (The banner comes first, so it must also say "use strict": ES modules always were strict.)
  banner: { js: '"use strict";\nconst __procscopeUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { "import.meta.url": "__procscopeUrl" },
  // Every byte of the bundle is read, decoded and compiled (or deserialized) at each start.
  minify: true,
};

/**
 * One bundle per command module (commands/groups.js), beside the one with every command: the
 * launcher runs a command from its module's bundle, so `ps` reads and compiles ps's code, not
 * the 30-odd other commands' (every start paid ~1 ms for each 25 KB of bundle on these VMs).
 * Each is generated as a two-line entry that starts the CLI with that one module.
 */
const groupEntries = {
  name: "group-entries",
  setup(build) {
    build.onResolve({ filter: /^group:/ }, (args) => ({ path: args.path.slice("group:".length), namespace: "group" }));
    build.onLoad({ filter: /.*/, namespace: "group" }, (args) => {
      const group = COMMAND_GROUPS.find((g) => g.module === args.path);
      return {
        contents: [
          'import { start } from "./src/cli/start.ts";',
          `import { ${group.register} } from "./src/cli/commands/${group.module}.ts";`,
          `start([{ register: ${group.register}, commands: ${JSON.stringify(group.commands)} }]);`,
        ].join("\n"),
        loader: "ts",
        resolveDir: process.cwd(),
      };
    });
  },
};
const groupBundles = Object.fromEntries(COMMAND_GROUPS.map((group) => [bundleName(group), `group:${group.module}`]));
await Promise.all([
  build({
    ...cli,
    entryPoints: { "procscope-main": "src/cli/bin.ts", ...groupBundles },
    plugins: [lazyChildProcessForCommander, vendorOwnBundles, builtinsWithoutCopies, groupEntries],
  }),
  ...VENDORED.map((name) =>
    build({ ...common, entryPoints: { [vendorFile(name).replace(/\.cjs$/, "")]: name }, format: "cjs", outExtension: { ".js": ".cjs" } }),
  ),
  build({ ...common, entryPoints: { procscope: "src/cli/launch.cts" }, format: "cjs", outExtension: { ".js": ".cjs" } }),
  // The `strings` worker thread, where stringsWorkerUrl() looks for it: beside the bundle.
  build({ ...common, entryPoints: { "strings-worker": "src/memory/strings-worker.ts" }, format: "esm" }),
]);

// The code caches hold what a run compiled: the start-up path and the command's own code. The
// launcher uses them for the short commands only (they are made under those commands' V8 flags),
// so one short, read-only run per bundle that has short commands writes them. Without a cache
// procscope only starts slower, so a failed run is a warning, not a failed build.
const self = String(process.pid);
const CACHE_RUNS = [
  ["--help"],
  ["ps", "--pid", self],
  ["lsof", "--pid", self],
  ["sys", "meminfo"],
  ["maps", self],
  ["threads", self],
  ["schema", "ps"],
];
// V8 flags from NODE_OPTIONS would tie the cache to them, and plain runs would refuse it.
const { NODE_OPTIONS: _flags, ...inherited } = process.env;
for (const argv of CACHE_RUNS) {
  try {
    execFileSync(process.execPath, ["dist/bin/procscope.cjs", ...argv], {
      env: { ...inherited, PROCSCOPE_CODE_CACHE: "write" },
      stdio: ["ignore", "ignore", "pipe"],
    });
  } catch (error) {
    console.warn(
      `procscope: no code cache written by \`${argv.join(" ")}\`, those commands will start ~10 ms slower: ${String(error.stderr ?? error.message).trim()}`,
    );
  }
}
