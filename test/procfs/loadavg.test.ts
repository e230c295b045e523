import { describe, expect, it } from "vitest";
import { parseLoadavg } from "../../src/procfs/loadavg.js";
import { captured, parseErrorOf } from "./_helpers.js";

describe("parseLoadavg()", () => {
  it("reads a real line", () => {
    expect(parseLoadavg(captured("loadavg"))).toEqual({
      load1: 0.05,
      load5: 0.05,
      load15: 0,
      runnableEntities: 1,
      totalEntities: 81,
      lastPid: 3629,
      other: [],
    });
  });

  it("reads a heavily loaded machine with a PID near pid_max", () => {
    const load = parseLoadavg("1024.99 880.10 712.00 1033/65535 4194303\n");
    expect(load.load1).toBe(1024.99);
    expect(load.runnableEntities).toBe(1033);
    expect(load.totalEntities).toBe(65535);
    expect(load.lastPid).toBe(4194303);
  });

  it("keeps fields a later kernel might add", () => {
    expect(parseLoadavg("0.00 0.01 0.05 1/97 42 x\n").other).toEqual(["x"]);
  });

  it("rejects missing fields, a bad entity pair and truncated input", () => {
    expect(parseErrorOf(() => parseLoadavg("0.06 0.04 0.00\n")).message).toMatch(/5 fields/);
    expect(parseErrorOf(() => parseLoadavg("0.06 0.04 0.00 83 3012\n")).message).toMatch(/runnable\/total/);
    expect(parseErrorOf(() => parseLoadavg("0.06 0.04 x 1/83 3012\n")).line).toBe(1);
    expect(parseErrorOf(() => parseLoadavg("0.06 0.04 0.00 1/83 30")).message).toMatch(/truncated/);
    expect(parseErrorOf(() => parseLoadavg("")).line).toBe(1);
    expect(parseErrorOf(() => parseLoadavg("0.06 0.04 0.00 1/83 3012\nmore\n")).line).toBe(2);
  });
});
