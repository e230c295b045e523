/**
 * A per-process file larger than the shared read buffer comes back whole through every read path
 * (parseBytes used to slice the old, smaller buffer: a 1 MiB command line came out as 64 KiB).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-bigfiles-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("files larger than the read buffer", () => {
  it("parseBytes, readBytes and readText return all of a 1 MiB cmdline", () => {
    const args = Array.from({ length: 9 }, (_, i) => String.fromCharCode(65 + i).repeat(120_000));
    const bytes = Buffer.from(`${args.join("\0")}\0`);
    fs.mkdirSync(path.join(root, "42"));
    fs.writeFileSync(path.join(root, "42/cmdline"), bytes);
    fs.writeFileSync(path.join(root, "42/stat"), "42 (x) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n");
    const procFs = openProcFs(root);
    const dir = procFs.openProcess(42);
    try {
      // Lengths first (a readable failure), then the bytes (Buffer.equals: toEqual walks 1 MiB slowly).
      const parsed = dir.parseBytes("cmdline", (b) => Buffer.from(b));
      expect(parsed.length).toBe(bytes.length);
      expect(parsed.equals(bytes)).toBe(true);
      expect(dir.readBytes("cmdline").equals(bytes)).toBe(true);
      expect(procFs.readText("42/cmdline").length).toBe(bytes.length);
    } finally {
      dir.close();
    }
  });
});
