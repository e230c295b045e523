import { describe, expect, it } from "vitest";
import { parsePartitions } from "../../src/procfs/partitions.js";
import { captured, parseErrorOf, skippedOf } from "./_helpers.js";

describe("parsePartitions()", () => {
  it("reads a real file, which leaves out the empty zram and loop devices", () => {
    expect(parsePartitions(captured("partitions"))).toEqual([{ major: 254, minor: 0, blocks: 268435456, name: "vda", other: [] }]);
  });

  it("reads partitions, device-mapper names and sizes past 2^32 blocks", () => {
    const text =
      "major minor  #blocks  name\n\n 259        0 15628053168 nvme0n1\n 259        1     524288 nvme0n1p1\n 252        0  976224256 dm-0\n";
    expect(parsePartitions(text).map((p) => [p.name, p.minor, p.blocks])).toEqual([
      ["nvme0n1", 0, 15628053168],
      ["nvme0n1p1", 1, 524288],
      ["dm-0", 0, 976224256],
    ]);
  });

  it("keeps the statistics columns of a 2.4 kernel in other", () => {
    const text = "major minor  #blocks  name     rio rmerge rsect ruse\n\n   3     0   19551168 hda 6158 10930 136724 54470\n";
    expect(parsePartitions(text)[0]).toEqual({
      major: 3,
      minor: 0,
      blocks: 19551168,
      name: "hda",
      other: ["6158", "10930", "136724", "54470"],
    });
  });

  it("rejects a missing header, short rows and truncated input", () => {
    expect(parseErrorOf(() => parsePartitions(" 254 0 268435456 vda\n")).line).toBe(1);
    expect(parseErrorOf(() => parsePartitions("")).line).toBe(1);
    expect(skippedOf(() => parsePartitions("major minor  #blocks  name\n\n 254 0 vda\n")).line).toBe(3);
    expect(skippedOf(() => parsePartitions("major minor  #blocks  name\n\n 254 0 x vda\n")).line).toBe(3);
    expect(skippedOf(() => parsePartitions("major minor  #blocks  name\n\n 254 0 2684")).message).toMatch(/truncated/);
  });
});
