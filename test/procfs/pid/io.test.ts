import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { parsePidIo } from "../../../src/procfs/pid/io.js";

// Captured from this machine's /proc/self/io (kernel 6.18).
const SELF = "rchar: 6976\nwchar: 0\nsyscr: 10\nsyscw: 0\nread_bytes: 0\nwrite_bytes: 0\ncancelled_write_bytes: 0\n";

describe("parsePidIo()", () => {
  it("reads the seven counters of a real file", () => {
    expect(parsePidIo(SELF)).toEqual({
      rcharBytes: 6976,
      wcharBytes: 0,
      syscr: 10,
      syscw: 0,
      readBytes: 0,
      writeBytes: 0,
      cancelledWriteBytes: 0,
    });
  });

  it("ignores a counter added by a later kernel", () => {
    expect(parsePidIo(`${SELF}future_bytes: 5\n`).rcharBytes).toBe(6976);
  });

  it("rejects a missing counter", () => {
    expect(() => parsePidIo(SELF.replace("syscw: 0\n", ""))).toThrow(/missing "syscw:"/);
  });

  it("rejects a negative counter, which the kernel's %llu cannot print", () => {
    expect(() => parsePidIo(SELF.replace("cancelled_write_bytes: 0", "cancelled_write_bytes: -1024"))).toThrow(
      expect.objectContaining({ line: 7, detail: expect.stringMatching(/unsigned/) }),
    );
  });

  it("rejects truncated input", () => {
    expect(() => parsePidIo(SELF.slice(0, -3))).toThrow(ParseError);
    expect(() => parsePidIo(SELF.slice(0, -3))).toThrow(/line 7/);
    expect(() => parsePidIo("rchar: 6976\nwchar")).toThrow(/line 2/);
    expect(() => parsePidIo("")).toThrow(ParseError);
  });

  it('rejects a line that is not "key: value"', () => {
    expect(() => parsePidIo(SELF.replace("syscr: 10", "syscr 10"))).toThrow(/line 3/);
  });
});
