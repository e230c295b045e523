import { describe, expect, it } from "vitest";
import { problemsOf } from "../../src/procfs/_lines.js";
import { parseSystemStat } from "../../src/procfs/stat.js";
import { captured, parseErrorOf, skippedOf } from "./_helpers.js";

// 2.6.9-era: 7 tick columns (no steal, guest, guest_nice), no softirq line.
const KERNEL_2_6_9 = `cpu  6212 2 2343 1180425 4305 54 77
cpu0 6212 2 2343 1180425 4305 54 77
intr 1222416 1193346 9 0 2 2 0 3 0 1 0 0 0 138 0 28894 22
ctxt 1116393
btime 1100000000
processes 4214
procs_running 1
procs_blocked 0
`;

// 2.4: 4 tick columns, no procs_* lines, and page/swap/disk_io lines that later moved to vmstat.
const KERNEL_2_4 = `cpu  1391 0 1062 108747
cpu0 1391 0 1062 108747
page 49181 13638
swap 1 0
intr 122119 111200 1331 0 0 0
disk_io: (3,0):(6918,4706,94358,2212,27248)
ctxt 37458
btime 1000000000
processes 526
`;

describe("parseSystemStat()", () => {
  it("reads a real 6.18 file", () => {
    const stat = parseSystemStat(captured("stat"));
    expect(stat.total).toEqual({
      userTicks: 2609,
      niceTicks: 0,
      systemTicks: 1827,
      idleTicks: 78364,
      iowaitTicks: 118,
      irqTicks: 0,
      softirqTicks: 33,
      stealTicks: 298,
      guestTicks: 0,
      guestNiceTicks: 0,
      otherTicks: [],
    });
    expect(stat.cpus.map((cpu) => cpu.cpu)).toEqual([0, 1]);
    expect(stat.cpus[1]?.userTicks).toBe(1633);
    expect(stat.cpus[1]?.stealTicks).toBe(133);
    expect(stat.contextSwitches).toBe(291375);
    expect(stat.bootTime).toBe(1795411024);
    expect(stat.processesCreated).toBe(3632);
    expect(stat.procsRunning).toBe(1);
    expect(stat.procsBlocked).toBe(0);
    expect(stat.softirqsTotal).toBe(61118);
    expect(stat.softirqs).toEqual([0, 9011, 6, 5272, 8942, 0, 3, 21964, 0, 15920]);
    expect(stat.interrupts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(stat.interruptsTotal);
    expect(stat.other).toEqual({});
  });

  it("reports columns and lines an older kernel lacks as null", () => {
    const stat = parseSystemStat(KERNEL_2_6_9);
    expect(stat.total.softirqTicks).toBe(77);
    expect(stat.total.stealTicks).toBeNull();
    expect(stat.total.guestNiceTicks).toBeNull();
    expect(stat.softirqsTotal).toBeNull();
    expect(stat.softirqs).toBeNull();
    expect(stat.interruptsTotal).toBe(1222416);
    expect(stat.interrupts).toHaveLength(16);
  });

  it("reads a 2.4 file and keeps its page, swap and disk_io lines in other", () => {
    const stat = parseSystemStat(KERNEL_2_4);
    expect(stat.total.idleTicks).toBe(108747);
    expect(stat.total.iowaitTicks).toBeNull();
    expect(stat.procsRunning).toBeNull();
    expect(stat.other).toEqual({ page: "49181 13638", swap: "1 0", disk_io: "(3,0):(6918,4706,94358,2212,27248)" });
  });

  it("numbers per-CPU lines by name, so an offline CPU leaves a gap", () => {
    const text = captured("stat").replace(/^cpu1 /m, "cpu3 ");
    expect(parseSystemStat(text).cpus.map((cpu) => cpu.cpu)).toEqual([0, 3]);
  });

  it("keeps tick columns a later kernel might add", () => {
    const text = captured("stat").replace(/^cpu0 (.*)$/m, "cpu0 $1 77 88");
    expect(parseSystemStat(text).cpus[0]?.otherTicks).toEqual([77, 88]);
  });

  it("rejects a tick count past 2^53 instead of rounding it", () => {
    const text = captured("stat").replace(/^cpu0 \d+/m, "cpu0 9007199254740993");
    const error = skippedOf(() => parseSystemStat(text));
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/2\^53/);
  });

  it("rejects truncated and malformed input with the line number", () => {
    const real = captured("stat");
    const cut = real.slice(0, real.indexOf("intr") + 200);
    expect(parseErrorOf(() => parseSystemStat(cut)).message).toMatch(/missing "intr"/);
    expect(skippedOf(() => parseSystemStat(`${real}intr 1 2`)).message).toMatch(/truncated/);
    const noBtime = real.replace(/^btime .*\n/m, "");
    expect(parseErrorOf(() => parseSystemStat(noBtime)).message).toMatch(/missing "btime"/);
    expect(skippedOf(() => parseSystemStat(real.replace(/^cpu1 .*$/m, "cpu1 1 2 3"))).line).toBe(3);
    expect(parseErrorOf(() => parseSystemStat(real.replace(/^ctxt .*$/m, "ctxt 1 2"))).message).toMatch(/missing "ctxt"/);
    expect(problemsOf(parseSystemStat(`${real}ctxt -1\n`)).map((p) => p.line)).toEqual([real.split("\n").length]);
    expect(parseErrorOf(() => parseSystemStat("")).message).toMatch(/missing "cpu"/);
  });
});
