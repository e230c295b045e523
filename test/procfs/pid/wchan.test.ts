import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { parsePidWchan } from "../../../src/procfs/pid/wchan.js";

describe("parsePidWchan()", () => {
  it("reads a real symbol", () => {
    // Captured from this machine: /proc/PID/wchan of a running `sleep 5`, no trailing newline.
    expect(parsePidWchan("hrtimer_nanosleep")).toBe("hrtimer_nanosleep");
  });

  it('reads "0" and empty text as null', () => {
    // Captured from this machine's /proc/self/wchan.
    expect(parsePidWchan("0")).toBeNull();
    expect(parsePidWchan("")).toBeNull();
    expect(parsePidWchan("0\n")).toBeNull();
  });

  it("keeps compiler suffixes in symbol names", () => {
    expect(parsePidWchan("do_sys_poll.isra.0")).toBe("do_sys_poll.isra.0");
  });

  it("rejects text that is not a symbol", () => {
    expect(() => parsePidWchan("do select")).toThrow(ParseError);
    expect(() => parsePidWchan("ffffffff81000000 do_select")).toThrow(/kernel symbol/);
  });
});
