import { describe, expect, it } from "vitest";
import { parseDma } from "../../src/procfs/dma.js";
import { captured, skippedOf } from "./_helpers.js";

describe("parseDma()", () => {
  it("reads a real file holding only the cascade channel", () => {
    expect(parseDma(captured("dma"))).toEqual([{ channel: 4, device: "cascade" }]);
  });

  it("reads several channels and an empty file", () => {
    expect(parseDma(" 2: floppy\n 4: cascade\n")).toEqual([
      { channel: 2, device: "floppy" },
      { channel: 4, device: "cascade" },
    ]);
    expect(parseDma("")).toEqual([]);
  });

  it("rejects malformed and truncated input", () => {
    expect(skippedOf(() => parseDma(" 4: cascade\ncascade\n")).line).toBe(2);
    expect(skippedOf(() => parseDma(" 4: casc")).line).toBe(1);
  });
});
