import { describe, expect, it } from "vitest";
import { parseMeminfo } from "../../src/procfs/meminfo.js";
import { captured, parseErrorOf, skippedOf } from "./_helpers.js";

// A 2.6.32 kernel: no MemAvailable (3.14), no KReclaimable (4.20), no Zswap (5.18), no DirectMap1G.
const OLD_KERNEL = `MemTotal:        1018564 kB
MemFree:          291084 kB
Buffers:           64408 kB
Cached:           431340 kB
SwapCached:            0 kB
Active:           320728 kB
Inactive:         327032 kB
Active(anon):     152196 kB
Inactive(anon):      124 kB
Active(file):     168532 kB
Inactive(file):   326908 kB
Unevictable:           0 kB
Mlocked:               0 kB
SwapTotal:       2064376 kB
SwapFree:        2064376 kB
Dirty:                 8 kB
Writeback:             0 kB
AnonPages:        152016 kB
Mapped:            25496 kB
Shmem:               304 kB
Slab:              56416 kB
SReclaimable:      43664 kB
SUnreclaim:        12752 kB
KernelStack:        1080 kB
PageTables:         4636 kB
NFS_Unstable:          0 kB
Bounce:                0 kB
WritebackTmp:          0 kB
CommitLimit:     2573656 kB
Committed_AS:     564920 kB
VmallocTotal:   34359738367 kB
VmallocUsed:      270408 kB
VmallocChunk:   34359460852 kB
HardwareCorrupted:     0 kB
HugePages_Total:       0
HugePages_Free:        0
HugePages_Rsvd:        0
HugePages_Surp:        0
Hugepagesize:       2048 kB
DirectMap4k:       10240 kB
DirectMap2M:     1038336 kB
`;

describe("parseMeminfo()", () => {
  it("reads a real 6.18 file", () => {
    const info = parseMeminfo(captured("meminfo"));
    expect(info.memTotalBytes).toBe(24684084 * 1024);
    expect(info.memFreeBytes).toBe(24565564 * 1024);
    expect(info.memAvailableBytes).toBe(24465412 * 1024);
    expect(info.kReclaimableBytes).toBe(26616 * 1024);
    expect(info.secPageTablesBytes).toBe(0);
    expect(info.hugePagesTotal).toBe(0);
    expect(info.hugepagesizeBytes).toBe(2048 * 1024);
    expect(info.directMap1GBytes).toBe(25165824 * 1024);
    expect(info.vmallocTotalBytes).toBe(34359738367n * 1024n);
    // This kernel is built without CONFIG_MEMORY_FAILURE.
    expect(info.hardwareCorruptedBytes).toBeNull();
    expect(Object.keys(info.raw)).toHaveLength(54);
    expect(info.raw.Balloon).toBe("0 kB");
  });

  it("turns kB lines into bytes and keeps bare counts", () => {
    const info = parseMeminfo("MemTotal:  2048 kB\nMemFree:  1024 kB\nHugePages_Total:       3\n");
    expect(info.memTotalBytes).toBe(2097152);
    expect(info.memFreeBytes).toBe(1048576);
    expect(info.hugePagesTotal).toBe(3);
  });

  it("reports lines an older kernel lacks as null", () => {
    const info = parseMeminfo(OLD_KERNEL);
    expect(info.memTotalBytes).toBe(1018564 * 1024);
    expect(info.memAvailableBytes).toBeNull();
    expect(info.kReclaimableBytes).toBeNull();
    expect(info.zswapBytes).toBeNull();
    expect(info.directMap1GBytes).toBeNull();
    expect(info.hardwareCorruptedBytes).toBe(0);
    expect(info.vmallocChunkBytes).toBe(34359460852n * 1024n);
  });

  it("keeps keys it does not know in raw", () => {
    const info = parseMeminfo("MemTotal: 8 kB\nMemFree: 4 kB\nUnaccepted:  12 kB\nNewCounter: 7\n");
    expect(info.raw.Unaccepted).toBe("12 kB");
    expect(info.raw.NewCounter).toBe("7");
  });

  it("holds a 5-level-paging VmallocTotal past 2^53 bytes exactly as a bigint", () => {
    const info = parseMeminfo("MemTotal: 8 kB\nMemFree: 4 kB\nVmallocTotal:   13743895347199 kB\n");
    expect(info.vmallocTotalBytes).toBe(13743895347199n * 1024n);
    expect(info.vmallocTotalBytes! > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it("rejects a byte count it cannot hold exactly instead of rounding", () => {
    const error = parseErrorOf(() => parseMeminfo("MemTotal: 9007199254740993 kB\nMemFree: 4 kB\n"));
    expect(error.line).toBe(1);
    expect(error.message).toMatch(/2\^53/);
  });

  it("rejects truncated input with the line number", () => {
    const cut = parseErrorOf(() => parseMeminfo("MemTotal:       24684084 kB\nMemFree:        2437"));
    expect(cut.message).toMatch(/missing "MemFree:"/);
    const skipped = skippedOf(() => parseMeminfo("MemTotal:       24684084 kB\nMemFree:        2437 kB\nBuffers:  12"));
    expect(skipped.line).toBe(3);
    expect(skipped.excerpt).toBe("Buffers:  12");
    const short = parseErrorOf(() => parseMeminfo("MemTotal:       24684084 kB\n"));
    expect(short.message).toMatch(/missing "MemFree:"/);
    expect(parseErrorOf(() => parseMeminfo("")).message).toMatch(/MemTotal/);
  });

  it("rejects a line without a number, and a unit where none belongs", () => {
    expect(parseErrorOf(() => parseMeminfo("MemTotal: 8 kB\nMemFree:\n")).message).toMatch(/missing "MemFree:"/);
    expect(skippedOf(() => parseMeminfo("MemTotal: 8 kB\nMemFree: 4 kB\nBuffers:\n")).line).toBe(3);
    expect(skippedOf(() => parseMeminfo("MemTotal: 8 kB\nMemFree: 4 kB\nHugePages_Total: 3 kB\n")).line).toBe(3);
    expect(parseErrorOf(() => parseMeminfo("MemTotal: 8\nMemFree: 4 kB\n")).line).toBe(1);
    expect(parseErrorOf(() => parseMeminfo("MemTotal 8 kB\n")).message).toMatch(/missing "MemTotal:"/);
  });
});
