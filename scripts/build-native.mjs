#!/usr/bin/env node
// Builds the optional native helper (native/procscope.c) into dist/native/procscope.node with gcc
// against the running Node's headers. procscope works without it, so a failure here is a warning;
// the tests that need it say what to install.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const source = "native/procscope.c";
const output = "dist/native/procscope.node";
const headerDirs = [
  process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, "include/node"),
  path.resolve(path.dirname(process.execPath), "../include/node"),
  "/usr/include/node",
].filter(Boolean);
const headers = headerDirs.find((dir) => fs.existsSync(path.join(dir, "node_api.h")));

function skip(reason) {
  console.warn(`build-native: not built (${reason}); UNIX socket peers will be guessed, not read from the kernel`);
  fs.rmSync(output, { force: true });
  process.exit(0);
}

if (!headers) skip(`no node_api.h in ${headerDirs.join(", ")}`);
fs.mkdirSync(path.dirname(output), { recursive: true });
const gcc = spawnSync(
  "gcc",
  [
    "-O2",
    "-std=gnu11",
    "-pthread",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-shared",
    "-fPIC",
    "-fvisibility=hidden",
    `-I${headers}`,
    "-o",
    output,
    source,
  ],
  { stdio: "inherit" },
);
if (gcc.error) skip(`gcc: ${gcc.error.message}; apt-get install gcc`);
if (gcc.status !== 0) skip(`gcc exited with ${gcc.status}`);
