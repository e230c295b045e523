import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { parsePidOomScore, parsePidOomScoreAdj } from "../../../src/procfs/pid/oom_score.js";

describe("parsePidOomScore()", () => {
  it("reads a real value", () => {
    // Captured from this machine: /proc/self/oom_score and /proc/1/oom_score (kernel 6.18).
    expect(parsePidOomScore("666\n")).toBe(666);
    expect(parsePidOomScore("0\n")).toBe(0);
  });

  it("rejects negative, empty and non-numeric text", () => {
    expect(() => parsePidOomScore("-1\n")).toThrow(ParseError);
    expect(() => parsePidOomScore("")).toThrow(ParseError);
    expect(() => parsePidOomScore("66 6\n")).toThrow(expect.objectContaining({ line: 1 }));
  });
});

describe("parsePidOomScoreAdj()", () => {
  it("reads a real value and both ends of the range", () => {
    // Captured from this machine: /proc/self/oom_score_adj.
    expect(parsePidOomScoreAdj("0\n")).toBe(0);
    expect(parsePidOomScoreAdj("-1000\n")).toBe(-1000);
    expect(parsePidOomScoreAdj("1000\n")).toBe(1000);
  });

  it("rejects values outside -1000..1000", () => {
    expect(() => parsePidOomScoreAdj("-1001\n")).toThrow(/-1000 to 1000/);
    expect(() => parsePidOomScoreAdj("1001\n")).toThrow(ParseError);
    expect(() => parsePidOomScoreAdj("-\n")).toThrow(ParseError);
  });
});
