import { describe, expect, it } from "vitest";
import { parseDiskstats } from "../../src/procfs/diskstats.js";
import { captured, skippedAsError, skippedOf } from "./_helpers.js";

describe("parseDiskstats()", () => {
  it("reads a real 6.18 file with 20 fields per line", () => {
    const disks = parseDiskstats(captured("diskstats"));
    expect(disks.map((disk) => disk.name)).toEqual([
      "loop0",
      "loop1",
      "loop2",
      "loop3",
      "loop4",
      "loop5",
      "loop6",
      "loop7",
      "vda",
      "zram0",
    ]);
    expect(disks[8]).toEqual({
      major: 254,
      minor: 0,
      name: "vda",
      reads: 9372,
      readsMerged: 5105,
      readSectors: 943962,
      readTimeMs: 4515,
      writes: 1175,
      writesMerged: 13287,
      writeSectors: 862456,
      writeTimeMs: 2440,
      inFlight: 0,
      ioTimeMs: 1880,
      weightedIoTimeMs: 7172,
      discards: 3118,
      discardsMerged: 39,
      discardSectors: 39088,
      discardTimeMs: 215,
      flushes: 4,
      flushTimeMs: 0,
      other: [],
    });
  });

  it("reads the 14-field lines of kernels before 4.18 with discard and flush fields null", () => {
    const [sda] = parseDiskstats(
      "   8       0 sda 25354637 34367663 1003346126 18492372 28444756 11134226 505697032 63877960 0 9653880 82621804\n",
    );
    expect(sda?.readSectors).toBe(1003346126);
    expect(sda?.weightedIoTimeMs).toBe(82621804);
    expect(sda?.discards).toBeNull();
    expect(sda?.flushes).toBeNull();
  });

  it("reads the 18-field lines of 4.18 to 5.4 with flush fields null", () => {
    const [sdb] = parseDiskstats("   8       0 sdb 326552 841 9657779 84 41822 2895 1972905 5007 0 60730 67070 68851 0 1925173784 11130\n");
    expect(sdb?.discards).toBe(68851);
    expect(sdb?.discardSectors).toBe(1925173784);
    expect(sdb?.discardTimeMs).toBe(11130);
    expect(sdb?.flushes).toBeNull();
    expect(sdb?.flushTimeMs).toBeNull();
  });

  it("keeps counters a later kernel might add", () => {
    const text = captured("diskstats").replace(/^( 254 +0 vda .*)$/m, "$1 11 12");
    expect(parseDiskstats(text)[8]?.other).toEqual([11, 12]);
  });

  it("reads a wrapped-around in-flight count and counters near 2^53 as they are", () => {
    const [disk] = parseDiskstats("   8 0 sda 9007199254740991 0 0 0 0 0 0 0 4294967295 0 0\n");
    expect(disk?.reads).toBe(Number.MAX_SAFE_INTEGER);
    expect(disk?.inFlight).toBe(4294967295);
    expect(skippedAsError(() => parseDiskstats("   8 0 sda 9007199254740993 0 0 0 0 0 0 0 0 0 0\n"))).toThrow(/2\^53/);
  });

  it("rejects field counts of no known kernel, bad numbers and truncated input", () => {
    const real = captured("diskstats");
    expect(skippedOf(() => parseDiskstats("   8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12\n")).message).toMatch(/14, 18 or 20 fields, got 15/);
    expect(skippedOf(() => parseDiskstats("   8 1 sda1 250 2000 0 0\n")).line).toBe(1);
    expect(skippedOf(() => parseDiskstats(real.replace("vda 9372", "vda x"))).line).toBe(9);
    expect(skippedOf(() => parseDiskstats(real.slice(0, -5))).line).toBe(10);
    expect(parseDiskstats("")).toEqual([]);
  });
});
