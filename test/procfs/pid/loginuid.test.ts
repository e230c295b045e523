import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { AUDIT_UID_UNSET, parsePidLoginuid } from "../../../src/procfs/pid/loginuid.js";

describe("parsePidLoginuid()", () => {
  it("reads 4294967295 as unset (null)", () => {
    // Captured from this machine's /proc/self/loginuid: no trailing newline.
    expect(parsePidLoginuid("4294967295")).toBeNull();
    expect(AUDIT_UID_UNSET).toBe(4294967295);
  });

  it("reads a login UID, with or without a newline", () => {
    expect(parsePidLoginuid("1000")).toBe(1000);
    expect(parsePidLoginuid("0\n")).toBe(0);
  });

  it("rejects values past 32 bits and non-numbers", () => {
    expect(() => parsePidLoginuid("4294967296")).toThrow(/32 bits/);
    expect(() => parsePidLoginuid("-1")).toThrow(ParseError);
    expect(() => parsePidLoginuid("")).toThrow(ParseError);
  });
});
