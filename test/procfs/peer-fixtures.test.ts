/**
 * Cross-check against another project's captured /proc tree (prometheus/procfs test fixtures,
 * Apache-2.0), unpacked at test time into a temp dir; nothing extracted is kept in this repo.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseCpuinfo } from "../../src/procfs/cpuinfo.js";
import { parseDiskstats } from "../../src/procfs/diskstats.js";
import { parseLoadavg } from "../../src/procfs/loadavg.js";
import { parseMeminfo } from "../../src/procfs/meminfo.js";
import { parseSystemStat } from "../../src/procfs/stat.js";
import { parseSwaps } from "../../src/procfs/swaps.js";
import { SYSTEM_FILE_NAMES, SYSTEM_FILES } from "../../src/procfs/system-files.js";
import { parseZoneinfo } from "../../src/procfs/zoneinfo.js";
import { peerProc } from "../helpers/fixtures.js";

/** The system files that tree holds; any change (a file lost or gained) must be looked at. */
const EXPECTED = ["meminfo", "cpuinfo", "loadavg", "stat", "zoneinfo", "diskstats", "swaps"];

let proc = "";

beforeAll(() => {
  proc = peerProc();
});

const read = (name: string): string => readFileSync(join(proc, name), "utf8");

describe("peer /proc fixtures", () => {
  it("hold exactly the system files we expect, so none is skipped silently", () => {
    expect(SYSTEM_FILE_NAMES.filter((name) => existsSync(join(proc, SYSTEM_FILES[name].path)))).toEqual(EXPECTED);
  });

  it.each(EXPECTED)("SYSTEM_FILES.%s parses the peer's file", (name) => {
    const file = SYSTEM_FILES[name as keyof typeof SYSTEM_FILES];
    expect(() => file.parse(read(file.path))).not.toThrow();
  });

  it("parseMeminfo() reads the peer's file, without MemAvailable", () => {
    const info = parseMeminfo(read("meminfo"));
    expect(info.memTotalBytes).toBe(15666184 * 1024);
    expect(info.memAvailableBytes).toBeNull();
    expect(info.zswapBytes).toBe(22414 * 1024);
    expect(info.vmallocChunkBytes).toBe(34359637840n * 1024n);
    expect(Object.keys(info.raw)).toHaveLength(45);
  });

  it("parseCpuinfo() reads eight Intel processors", () => {
    const info = parseCpuinfo(read("cpuinfo"));
    expect(info.processors.map((cpu) => cpu.processor)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(info.processors[7]?.modelName).toBe("Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz");
    expect(info.processors[0]?.cacheSizeBytes).toBe(8192 * 1024);
    expect(info.processors[0]?.bugs).toContain("l1tf");
  });

  it("parseLoadavg() reads the peer's line", () => {
    expect(parseLoadavg(read("loadavg"))).toMatchObject({ load1: 0.02, totalEntities: 497, lastPid: 11947 });
  });

  it("parseSystemStat() reads eight CPUs and a long intr line", () => {
    const stat = parseSystemStat(read("stat"));
    expect(stat.cpus).toHaveLength(8);
    expect(stat.total.userTicks).toBe(301854);
    expect(stat.interruptsTotal).toBe(73777505);
    expect(stat.bootTime).toBe(1418183276);
    expect(stat.procsBlocked).toBe(1);
    expect(stat.softirqs).toHaveLength(10);
  });

  it("parseZoneinfo() reads a 4.x file with per-node stats and no boost watermark", () => {
    const info = parseZoneinfo(read("zoneinfo"));
    expect(info.zones.map((zone) => zone.zone)).toEqual(["DMA", "DMA32", "Normal", "Movable", "Device"]);
    expect(info.nodes[0]?.stats.nr_dirtied).toBe(8007423);
    expect(info.zones[0]?.pagesets).toHaveLength(8);
    expect(info.zones[0]?.pagesets[0]?.highMinPages).toBeNull();
    expect(info.zones[2]?.pagesets.map((pageset) => pageset.countPages)).toHaveLength(8);
    expect(info.zones[2]?.boostPages).toBeNull();
    expect(info.zones[3]?.pagesets).toEqual([]);
    expect(info.zones[3]?.protectionPages).toEqual([0, 0, 0, 0, 0]);
  });

  it("parseDiskstats() reads the 14, 18 and 20 field variants in one file", () => {
    const disks = parseDiskstats(read("diskstats"));
    expect(disks).toHaveLength(52);
    const byName = (name: string) => disks.find((disk) => disk.name === name);
    expect(byName("sda")?.discards).toBeNull();
    expect(byName("sdb")?.discardSectors).toBe(1925173784);
    expect(byName("sdb")?.flushes).toBeNull();
    expect(byName("sdc")?.flushes).toBe(127);
    expect(byName("sdc")?.flushTimeMs).toBe(182);
  });

  it("parseSwaps() reads one partition with a negative priority", () => {
    expect(parseSwaps(read("swaps"))).toEqual([
      { filename: "/dev/dm-2", type: "partition", sizeBytes: 131068 * 1024, usedBytes: 176 * 1024, priority: -2, other: [] },
    ]);
  });
});
