import { describe, expect, it } from "vitest";
import { parseDevices } from "../../src/procfs/devices.js";
import { captured, parseErrorOf } from "./_helpers.js";

describe("parseDevices()", () => {
  it("reads a real file, with several names on one major", () => {
    const devices = parseDevices(captured("devices"));
    expect(devices.character).toHaveLength(23);
    expect(devices.character[0]).toEqual({ major: 1, name: "mem" });
    expect(devices.character.filter((device) => device.major === 4).map((device) => device.name)).toEqual(["/dev/vc/0", "tty", "ttyS"]);
    expect(devices.block).toEqual([
      { major: 7, name: "loop" },
      { major: 253, name: "zram" },
      { major: 254, name: "virtblk" },
      { major: 259, name: "blkext" },
    ]);
    // Character and block majors are separate number spaces: 253 is dimmctl in one, zram in the other.
    expect(devices.character.find((device) => device.major === 253)?.name).toBe("dimmctl");
  });

  it("reports a kernel without a block layer as block null", () => {
    expect(parseDevices("Character devices:\n  1 mem\n  4 tty\n")).toEqual({
      character: [
        { major: 1, name: "mem" },
        { major: 4, name: "tty" },
      ],
      block: null,
    });
  });

  it("reads majors past 255 and up to the 12-bit limit", () => {
    expect(parseDevices("Character devices:\n4095 big\n\nBlock devices:\n").block).toEqual([]);
    expect(parseDevices("Character devices:\n4095 big\n").character[0]?.major).toBe(4095);
  });

  it("rejects rows before a header, malformed rows and truncated input", () => {
    expect(parseErrorOf(() => parseDevices("  1 mem\n")).line).toBe(1);
    expect(parseErrorOf(() => parseDevices("Character devices:\n  1 mem\nmem 1\n")).line).toBe(3);
    expect(parseErrorOf(() => parseDevices("Character devices:\n  1 mem\n  4\n")).line).toBe(3);
    expect(parseErrorOf(() => parseDevices("Character devices:\n  1 mem\n  4 tt")).message).toMatch(/truncated/);
    expect(parseErrorOf(() => parseDevices("")).message).toMatch(/Character devices/);
    expect(parseErrorOf(() => parseDevices("Block devices:\n  7 loop\n")).message).toMatch(/Character devices/);
  });
});
