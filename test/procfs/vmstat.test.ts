import { describe, expect, it } from "vitest";
import { parseVmstat } from "../../src/procfs/vmstat.js";
import { captured, parseErrorOf, skippedOf } from "./_helpers.js";

describe("parseVmstat()", () => {
  it("reads a real 6.18 file and keeps every counter", () => {
    const vm = parseVmstat(captured("vmstat"));
    expect(Object.keys(vm.counters)).toHaveLength(192);
    expect(vm.freePages).toBe(943746);
    expect(vm.pageFaults).toBe(1095900);
    expect(vm.majorPageFaults).toBe(450);
    expect(vm.swapInPages).toBe(0);
    expect(vm.swapOutPages).toBe(0);
    expect(vm.oomKills).toBe(0);
    expect(vm.counters.nr_dirty_threshold).toBe(1222603);
    // A counter new in 6.x, kept although the parser does not name it.
    expect(vm.counters.nr_free_pages_blocks).toBe(871424);
  });

  it("reports counters an older kernel lacks as null", () => {
    const vm = parseVmstat("nr_free_pages 3952\nnr_inactive 1\npgpgin 100\npgpgout 200\npswpin 0\npswpout 0\npgfault 9\npgmajfault 1\n");
    expect(vm.oomKills).toBeNull();
    expect(vm.pageFaults).toBe(9);
  });

  it("reads counters up to 2^53 - 1 and rejects larger ones instead of rounding", () => {
    expect(parseVmstat("nr_free_pages 1\npgfault 9007199254740991\n").pageFaults).toBe(Number.MAX_SAFE_INTEGER);
    const error = skippedOf(() => parseVmstat("nr_free_pages 1\npgfault 18446744073709551615\n"));
    expect(error.line).toBe(2);
  });

  it("rejects malformed and truncated input with the line number", () => {
    expect(skippedOf(() => parseVmstat("nr_free_pages 1\npgfault\n")).line).toBe(2);
    expect(skippedOf(() => parseVmstat("nr_free_pages 1\npgfault -3\n")).line).toBe(2);
    expect(skippedOf(() => parseVmstat("nr_free_pages 1\npgfault 1 2\n")).line).toBe(2);
    expect(skippedOf(() => parseVmstat("nr_free_pages 1\npgfault 10")).message).toMatch(/truncated/);
    expect(parseErrorOf(() => parseVmstat("pgfault 10\n")).message).toMatch(/missing "nr_free_pages"/);
  });
});
