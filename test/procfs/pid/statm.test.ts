/** parsePidStatm() on /proc/PID/statm text captured on this project's VM (Linux 6.18). */
import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { parsePidStatm } from "../../../src/procfs/pid/statm.js";

describe("parsePidStatm()", () => {
  it("reads the seven page counts of a real process, in pages", () => {
    // `sleep 30`: size resident shared text lib data dt.
    expect(parsePidStatm("730 451 424 5 0 89 0\n")).toEqual({
      sizePages: 730,
      residentPages: 451,
      sharedPages: 424,
      textPages: 5,
      dataPages: 89,
    });
  });

  it("reads the all-zero line of a kernel thread or a zombie", () => {
    // /proc/2/statm and a zombie's statm are both "0 0 0 0 0 0 0".
    expect(parsePidStatm("0 0 0 0 0 0 0\n")).toEqual({ sizePages: 0, residentPages: 0, sharedPages: 0, textPages: 0, dataPages: 0 });
  });

  it("accepts the line without its newline and ignores fields a later kernel might add", () => {
    expect(parsePidStatm("730 451 424 5 0 89 0").residentPages).toBe(451);
    expect(parsePidStatm("730 451 424 5 0 89 0 7\n").dataPages).toBe(89);
  });

  it("reads a 47-bit address space's page count exactly", () => {
    // 2^47 bytes of address space in 4 KiB pages: 2^35, beyond 32 bits.
    expect(parsePidStatm(`${2 ** 35} 1 1 1 0 1 0\n`).sizePages).toBe(2 ** 35);
  });

  it("refuses a short line, a negative or non-numeric field, and an empty file", () => {
    for (const text of ["730 451 424 5 0 89\n", "730 -1 424 5 0 89 0\n", "730 451 x 5 0 89 0\n", "", "\n"]) {
      expect(() => parsePidStatm(text), JSON.stringify(text)).toThrow(ParseError);
    }
    expect(() => parsePidStatm("1 2 3\n")).toThrow(/expected 7 numbers/);
  });
});
