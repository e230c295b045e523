import { describe, expect, it } from "vitest";
import { parseSwaps } from "../../src/procfs/swaps.js";
import { captured, parseErrorOf, skippedOf } from "./_helpers.js";

const HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";

describe("parseSwaps()", () => {
  it("reads a real file of a machine without swap as an empty list", () => {
    expect(parseSwaps(captured("swaps"))).toEqual([]);
  });

  it("turns kB sizes into bytes and keeps negative priorities", () => {
    const text = `${HEADER}/dev/dm-2                               partition\t131068\t\t176\t\t-2\n/swap\\040file                           file\t\t2097148\t\t0\t\t10\n`;
    expect(parseSwaps(text)).toEqual([
      { filename: "/dev/dm-2", type: "partition", sizeBytes: 131068 * 1024, usedBytes: 176 * 1024, priority: -2, other: [] },
      { filename: "/swap file", type: "file", sizeBytes: 2097148 * 1024, usedBytes: 0, priority: 10, other: [] },
    ]);
  });

  it("reads the narrower header of older kernels", () => {
    expect(parseSwaps("Filename\t\t\t\tType\t\tSize\tUsed\tPriority\n/dev/sda2 partition\t1048572\t0\t-1\n")[0]?.priority).toBe(-1);
  });

  it("rejects a missing header, bad sizes and truncated input", () => {
    expect(parseErrorOf(() => parseSwaps("/dev/sda2 partition 1 0 -1\n")).line).toBe(1);
    expect(parseErrorOf(() => parseSwaps("")).line).toBe(1);
    expect(skippedOf(() => parseSwaps(`${HEADER}/dev/sda2 partition big 0 -1\n`)).line).toBe(2);
    expect(skippedOf(() => parseSwaps(`${HEADER}/dev/sda2 partition 1048572\n`)).line).toBe(2);
    expect(skippedOf(() => parseSwaps(`${HEADER}/dev/sda2 partition 1048572 0 -`)).line).toBe(2);
  });
});
