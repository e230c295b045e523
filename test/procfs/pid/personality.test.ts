import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { decodePersonality, parsePidPersonality } from "../../../src/procfs/pid/personality.js";

describe("parsePidPersonality()", () => {
  it("reads a plain Linux process", () => {
    // Captured from this machine's /proc/self/personality.
    expect(parsePidPersonality("00000000\n")).toEqual({ value: 0, base: 0, baseName: "PER_LINUX", flags: [], unknownFlags: 0 });
  });

  it("decodes ADDR_NO_RANDOMIZE and PER_LINUX32", () => {
    // Captured from this machine: `setarch -R` and `setarch linux32 -R`.
    expect(parsePidPersonality("00040000\n")).toMatchObject({ baseName: "PER_LINUX", flags: ["ADDR_NO_RANDOMIZE"] });
    expect(parsePidPersonality("00040008\n")).toMatchObject({ base: 8, baseName: "PER_LINUX32", flags: ["ADDR_NO_RANDOMIZE"] });
  });

  it("rejects text that is not eight hex digits", () => {
    expect(() => parsePidPersonality("0004000\n")).toThrow(ParseError);
    expect(() => parsePidPersonality("")).toThrow(/eight hex digits/);
    expect(() => parsePidPersonality("0x040000\n")).toThrow(ParseError);
  });
});

describe("decodePersonality()", () => {
  it("lists flags lowest bit first", () => {
    expect(decodePersonality(0x0400000 | 0x0040000 | 0x0020000).flags).toEqual(["UNAME26", "ADDR_NO_RANDOMIZE", "READ_IMPLIES_EXEC"]);
  });

  it("tells apart base personalities that share a value", () => {
    // <linux/personality.h>: PER_SVR4 = 0x0001 | STICKY_TIMEOUTS | MMAP_PAGE_ZERO, PER_SUNOS = 0x0006 | STICKY_TIMEOUTS,
    // PER_SCOSVR3 = 0x0003 | STICKY_TIMEOUTS | WHOLE_SECONDS | SHORT_INODE, PER_OSR5 = 0x0003 | STICKY_TIMEOUTS | WHOLE_SECONDS.
    expect(decodePersonality(0x0001 | 0x4000000 | 0x0100000)).toMatchObject({
      baseName: "PER_SVR4",
      flags: ["MMAP_PAGE_ZERO", "STICKY_TIMEOUTS"],
    });
    expect(decodePersonality(0x0006).baseName).toBe("PER_BSD");
    expect(decodePersonality(0x0006 | 0x4000000).baseName).toBe("PER_SUNOS");
    expect(decodePersonality(0x0003 | 0x4000000 | 0x2000000 | 0x1000000).baseName).toBe("PER_SCOSVR3");
    expect(decodePersonality(0x0003 | 0x4000000 | 0x2000000).baseName).toBe("PER_OSR5");
  });

  it("reports an unnamed base as null and unknown high bits separately", () => {
    expect(decodePersonality(0x80000042)).toEqual({ value: 0x80000042, base: 0x42, baseName: null, flags: [], unknownFlags: 0x80000000 });
  });
});
