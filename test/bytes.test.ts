import { describe, expect, it } from "vitest";
import { decodeBytes, escapeControl } from "../src/bytes.js";

describe("decodeBytes()", () => {
  it("decodes ASCII and valid UTF-8 as is", () => {
    expect(decodeBytes(Buffer.from("bash"))).toBe("bash");
    expect(decodeBytes(Buffer.from("caf\u00e9 \u65e5\u672c"))).toBe("caf\u00e9 \u65e5\u672c");
  });

  it("keeps invalid bytes visible as \\xNN instead of U+FFFD", () => {
    expect(decodeBytes(Buffer.from([0x61, 0xff, 0x62]))).toBe("a\\xffb");
    expect(decodeBytes(Buffer.from([0xc3]))).toBe("\\xc3");
    // A valid character after an invalid byte survives.
    expect(decodeBytes(Buffer.from([0xfe, 0xc3, 0xa9]))).toBe("\\xfe\u00e9");
  });

  it("keeps a literal U+FFFD that was really in the input", () => {
    expect(decodeBytes(Buffer.from("a\ufffdb"))).toBe("a\ufffdb");
  });
});

describe("escapeControl()", () => {
  it("makes terminal escape sequences visible", () => {
    expect(escapeControl("x\u001b[31mred")).toBe("x\\x1b[31mred");
    expect(escapeControl("a\nb\tc\rd")).toBe("a\\nb\\tc\\rd");
    expect(escapeControl("\u009b2J")).toBe("\\x9b2J");
    expect(escapeControl("abc\u202eevil")).toBe("abc\\u202eevil");
  });

  it("leaves printable text alone", () => {
    expect(escapeControl("a) (b caf\u00e9")).toBe("a) (b caf\u00e9");
  });
});
