/**
 * One list of captured files: `procscope capture` and scripts/capture-fixture.mjs both take
 * src/capture/files.js, and it holds every file `sys NAME` parses, so `sys NAME --root` works on
 * any capture.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { SYSTEM_FILES as CAPTURED, PID_FILES } from "../../src/capture/files.js";
import { SYSTEM_FILE_NAMES, SYSTEM_FILES } from "../../src/procfs/system-files.js";

describe("the captured file list", () => {
  it("holds every system file sys NAME parses, and stat first among a process's files", () => {
    expect(CAPTURED).toEqual(expect.arrayContaining(SYSTEM_FILE_NAMES.map((name) => SYSTEM_FILES[name].path)));
    expect(new Set(CAPTURED).size).toBe(CAPTURED.length);
    expect(PID_FILES[0]).toBe("stat");
  });

  it("is the list capture and the fixture script use, and neither keeps one of its own", () => {
    for (const file of ["src/capture/capture.ts", "scripts/capture-fixture.mjs"]) {
      const text = fs.readFileSync(file, "utf8");
      expect(text, file).toMatch(/import \{[^}]*SYSTEM_FILES[^}]*\} from "(\.\/|\.\.\/src\/capture\/)files\.js"/);
      expect(text, file).not.toMatch(/"smaps_rollup"|"meminfo"/);
    }
  });
});
