/**
 * Unpacks each captured /proc tree, kept in the repository as one archive
 * (test/fixtures/NAME.tar.gz, written by scripts/capture-fixture.mjs), into a temporary directory
 * once per `vitest run`, and removes it afterwards, with every other temporary file of the run. Tests reach it through
 * `inject("fixturesDir")` (see test/helpers/fixtures.ts). Thousands of small files and symlinks
 * such as `root -> /` stay out of git and out of the way of tools that walk the repository.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The directory holding each unpacked fixture tree, by the archive's name without `.tar.gz`. */
    fixturesDir: string;
  }
}

const ARCHIVES = fileURLToPath(new URL("./fixtures/", import.meta.url));

export default function setup(project: TestProject): () => void {
  // Every temporary file of the run, the tests' own and those of the CLIs and servers they start
  // (which inherit TMPDIR), goes under one directory removed at the end: test workers end without
  // running exit hooks, and a run used to leave a few dozen directories in /tmp, some of 400 MB.
  // Sticky and world-writable like /tmp: some tests run the CLI as nobody.
  const runTmp = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-test-run-"));
  fs.chmodSync(runTmp, 0o1777);
  process.env.TMPDIR = runTmp;
  const dir = fs.mkdtempSync(path.join(runTmp, "procscope-fixtures-"));
  for (const name of fs.readdirSync(ARCHIVES).filter((n) => n.endsWith(".tar.gz"))) {
    try {
      execFileSync("tar", ["-xzf", path.join(ARCHIVES, name), "-C", dir], { stdio: "pipe" });
    } catch (error) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`cannot unpack test/fixtures/${name} (is tar installed?): ${error}`);
    }
  }
  project.provide("fixturesDir", dir);
  return () => fs.rmSync(runTmp, { recursive: true, force: true });
}
