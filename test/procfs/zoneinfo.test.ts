import { describe, expect, it } from "vitest";
import { parseZoneinfo } from "../../src/procfs/zoneinfo.js";
import { captured, parseErrorOf } from "./_helpers.js";

// 2.6.32: zone counters indented by 4 and before "protection:", "scanned" among the watermarks,
// "key: value" tails that later kernels dropped, no per-node stats, no managed/boost/promo/cma.
const KERNEL_2_6_32 = `Node 0, zone      DMA
  pages free     3977
        min      4
        low      5
        high     6
        scanned  0
        spanned  4080
        present  3918
    nr_free_pages 3977
    nr_inactive_anon 0
        protection: (0, 3254, 3759, 3759)
  pagesets
    cpu: 0
              count: 0
              high:  0
              batch: 1
  vm stats threshold: 6
  all_unreclaimable: 0
  prev_priority:     12
  start_pfn:         16
  inactive_ratio:    1
`;

describe("parseZoneinfo()", () => {
  it("reads a real 6.18 file with populated and empty zones", () => {
    const info = parseZoneinfo(captured("zoneinfo"));
    expect(info.zones.map((zone) => `${zone.node}/${zone.zone}`)).toEqual(["0/DMA", "0/DMA32", "0/Normal", "0/Movable", "0/Device"]);
    expect(info.nodes).toHaveLength(1);
    expect(info.nodes[0]?.node).toBe(0);
    expect(info.nodes[0]?.stats.nr_inactive_anon).toBe(989);
    const dma = info.zones[0]!;
    expect(dma.freePages).toBe(3840);
    expect(dma.minPages).toBe(66);
    expect(dma.promoPages).toBe(114);
    expect(dma.boostPages).toBe(0);
    expect(dma.managedPages).toBe(3840);
    expect(dma.cmaPages).toBe(0);
    expect(dma.protectionPages).toEqual([0, 3019, 3787, 3787, 3787]);
    expect(dma.stats.nr_free_pages).toBe(3840);
    expect(dma.stats).not.toHaveProperty("nr_inactive_anon");
    expect(dma.pagesets).toEqual([
      { cpu: 0, countPages: 0, highPages: 0, batchPages: 1, highMinPages: 41, highMaxPages: 240, vmStatsThreshold: 4 },
      { cpu: 1, countPages: 0, highPages: 0, batchPages: 1, highMinPages: 41, highMaxPages: 240, vmStatsThreshold: 4 },
    ]);
    expect(dma.nodeUnreclaimable).toBe(false);
    expect(dma.startPfn).toBe(1);
    expect(dma.other).toEqual({});
    expect(info.zones[2]?.startPfn).toBe(1048576);
    const movable = info.zones[3]!;
    expect(movable.presentPages).toBe(0);
    expect(movable.stats).toEqual({});
    expect(movable.pagesets).toEqual([]);
    expect(movable.startPfn).toBeNull();
  });

  it("reads a 2.6.32 file, keeping fields it does not name in other", () => {
    const info = parseZoneinfo(KERNEL_2_6_32);
    expect(info.nodes).toEqual([]);
    const dma = info.zones[0]!;
    expect(dma.freePages).toBe(3977);
    expect(dma.managedPages).toBeNull();
    expect(dma.promoPages).toBeNull();
    expect(dma.stats).toEqual({ nr_free_pages: 3977, nr_inactive_anon: 0 });
    expect(dma.protectionPages).toEqual([0, 3254, 3759, 3759]);
    expect(dma.pagesets[0]).toEqual({
      cpu: 0,
      countPages: 0,
      highPages: 0,
      batchPages: 1,
      highMinPages: null,
      highMaxPages: null,
      vmStatsThreshold: 6,
    });
    expect(dma.nodeUnreclaimable).toBeNull();
    expect(dma.startPfn).toBe(16);
    expect(dma.other).toEqual({ scanned: "0", all_unreclaimable: "0", prev_priority: "12", inactive_ratio: "1" });
  });

  it("gives each node its own per-node stats", () => {
    const second = captured("zoneinfo")
      .split("\n")
      .slice(0, 98)
      .join("\n")
      .replace("Node 0", "Node 1")
      .replace("nr_inactive_anon 989", "nr_inactive_anon 7");
    const info = parseZoneinfo(`${captured("zoneinfo")}${second}\n`);
    expect(info.nodes.map((node) => [node.node, node.stats.nr_inactive_anon])).toEqual([
      [0, 989],
      [1, 7],
    ]);
    expect(info.zones.at(-1)?.node).toBe(1);
  });

  it("rejects truncated and malformed input with the line number", () => {
    const real = captured("zoneinfo");
    const cut = real.slice(0, real.indexOf("pages free") + 12);
    expect(parseErrorOf(() => parseZoneinfo(cut)).line).toBe(54);
    const noMin = parseErrorOf(() => parseZoneinfo("Node 0, zone      DMA\n  pages free     3840\n"));
    expect(noMin.message).toMatch(/"min"/);
    expect(noMin.line).toBe(1);
    expect(parseErrorOf(() => parseZoneinfo("  pages free     3840\n")).line).toBe(1);
    expect(parseErrorOf(() => parseZoneinfo(real.replace("        low      82", "        low      eighty"))).line).toBe(57);
    expect(parseErrorOf(() => parseZoneinfo(real.replace("  pagesets\n    cpu: 0", "    cpu: 0"))).line).toBe(82);
    expect(parseErrorOf(() => parseZoneinfo(real.replace("start_pfn:           4096", "start_pfn:           x"))).line).toBe(144);
    const noCount = parseErrorOf(() => parseZoneinfo(real.replace("              count:    0\n", "")));
    expect(noCount.message).toMatch(/"count:"/);
  });
});
