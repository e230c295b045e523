import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { parsePidLimits, pidLimit } from "../../../src/procfs/pid/limits.js";
import { skippedAsError } from "../_helpers.js";

// Captured from this machine's /proc/self/limits (kernel 6.18), trailing spaces and all.
const SELF = `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max file size             unlimited            unlimited            bytes     
Max data size             unlimited            unlimited            bytes     
Max stack size            8388608              unlimited            bytes     
Max core file size        0                    unlimited            bytes     
Max resident set          unlimited            unlimited            bytes     
Max processes             96365                96365                processes 
Max open files            20000                20000                files     
Max locked memory         8388608              8388608              bytes     
Max address space         unlimited            unlimited            bytes     
Max file locks            unlimited            unlimited            locks     
Max pending signals       96365                96365                signals   
Max msgqueue size         819200               819200               bytes     
Max nice priority         0                    0                    
Max realtime priority     0                    0                    
Max realtime timeout      unlimited            unlimited            us        
`;

describe("parsePidLimits()", () => {
  it("reads every row of a real file in kernel order", () => {
    const limits = parsePidLimits(SELF);
    expect(limits).toHaveLength(16);
    expect(limits.map((l) => l.resource)).toEqual([
      "RLIMIT_CPU",
      "RLIMIT_FSIZE",
      "RLIMIT_DATA",
      "RLIMIT_STACK",
      "RLIMIT_CORE",
      "RLIMIT_RSS",
      "RLIMIT_NPROC",
      "RLIMIT_NOFILE",
      "RLIMIT_MEMLOCK",
      "RLIMIT_AS",
      "RLIMIT_LOCKS",
      "RLIMIT_SIGPENDING",
      "RLIMIT_MSGQUEUE",
      "RLIMIT_NICE",
      "RLIMIT_RTPRIO",
      "RLIMIT_RTTIME",
    ]);
    expect(limits[7]).toEqual({ name: "Max open files", resource: "RLIMIT_NOFILE", soft: 20000n, hard: 20000n, unit: "files" });
  });

  it("keeps multi-word names whole", () => {
    const limits = parsePidLimits(SELF);
    expect(limits[0]?.name).toBe("Max cpu time");
    expect(limits[4]?.name).toBe("Max core file size");
    expect(limits[15]?.name).toBe("Max realtime timeout");
  });

  it('reads "unlimited" as a value', () => {
    const cpu = pidLimit(parsePidLimits(SELF), "RLIMIT_CPU");
    expect(cpu).toEqual({ name: "Max cpu time", resource: "RLIMIT_CPU", soft: "unlimited", hard: "unlimited", unit: "seconds" });
    expect(pidLimit(parsePidLimits(SELF), "RLIMIT_STACK")).toMatchObject({ soft: 8388608n, hard: "unlimited" });
  });

  it('reads the "us" unit of "Max realtime timeout" and no unit for the priority rows', () => {
    const limits = parsePidLimits(SELF);
    expect(pidLimit(limits, "RLIMIT_RTTIME")?.unit).toBe("us");
    expect(pidLimit(limits, "RLIMIT_NICE")).toEqual({ name: "Max nice priority", resource: "RLIMIT_NICE", soft: 0n, hard: 0n, unit: null });
    expect(pidLimit(limits, "RLIMIT_RTPRIO")?.unit).toBeNull();
  });

  it("keeps values above 2^53 exact as bigint", () => {
    const text = SELF.replace(
      "Max locked memory         8388608              8388608 ",
      "Max locked memory         18446744073708503040 18446744073708503040",
    );
    expect(pidLimit(parsePidLimits(text), "RLIMIT_MEMLOCK")?.soft).toBe(18446744073708503040n);
  });

  it("reads a copy whose trailing spaces were trimmed", () => {
    const trimmed = SELF.replace(/ +\n/g, "\n");
    expect(parsePidLimits(trimmed)).toEqual(parsePidLimits(SELF));
  });

  it("gives a row name it does not know a null resource", () => {
    const text = `${SELF}Max future thing          5                    unlimited            widgets   \n`;
    expect(parsePidLimits(text).at(-1)).toEqual({ name: "Max future thing", resource: null, soft: 5n, hard: "unlimited", unit: "widgets" });
  });

  it("returns null from pidLimit() for a resource the file lacks", () => {
    expect(pidLimit(parsePidLimits(`${SELF.split("\n").slice(0, 3).join("\n")}\n`), "RLIMIT_NOFILE")).toBeNull();
  });

  it("rejects truncated input with the line number", () => {
    const cut = SELF.slice(0, SELF.indexOf("Max open files") + 35);
    expect(skippedAsError(() => parsePidLimits(cut))).toThrow(ParseError);
    expect(skippedAsError(() => parsePidLimits(cut))).toThrow(
      expect.objectContaining({ line: 9, excerpt: expect.stringMatching(/^Max open files/) }),
    );
    expect(() => parsePidLimits("")).toThrow(ParseError);
    expect(() => parsePidLimits(SELF.split("\n")[0] as string)).toThrow(ParseError);
  });

  it("rejects a row with a missing or non-numeric value", () => {
    expect(skippedAsError(() => parsePidLimits(`${SELF}Max cpu time              unlimited\n`))).toThrow(/line 18/);
    expect(skippedAsError(() => parsePidLimits(SELF.replace("96365                96365", "96365                -1   ")))).toThrow(
      /hard limit/,
    );
    expect(() => parsePidLimits(SELF.replace("Limit ", "Limits"))).toThrow(/header/);
    expect(
      skippedAsError(() => parsePidLimits(SELF.replace("8388608              unlimited", "99999999999999999999999 unlimited"))),
    ).toThrow(/64 bits/);
  });
});
