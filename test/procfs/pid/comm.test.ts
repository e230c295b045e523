/**
 * parseComm() on /proc/PID/comm text captured on this project's VM (Linux 6.18), from processes
 * that wrote their own /proc/self/comm: the kernel keeps any byte but NUL, truncates to 15 bytes
 * and adds one newline.
 */
import { describe, expect, it } from "vitest";
import { parseComm } from "../../../src/procfs/pid/comm.js";

describe("parseComm()", () => {
  it("drops the one trailing newline", () => {
    expect(parseComm("sleep\n")).toBe("sleep");
  });

  it('keeps ") (", spaces at either end, tabs and inner newlines', () => {
    expect(parseComm("a) (b\n")).toBe("a) (b");
    expect(parseComm(" lead sp\n")).toBe(" lead sp");
    expect(parseComm("tab\there\n")).toBe("tab\there");
    // comm "x<newline>y\z " : only the kernel's final newline goes.
    expect(parseComm("x\ny\\z \n")).toBe("x\ny\\z ");
    expect(parseComm("name\n\n")).toBe("name\n");
  });

  it("keeps a name cut at 15 bytes by the kernel as it is", () => {
    // Written "sixteen-chars-long!", read back:
    expect(parseComm("sixteen-chars-l\n")).toBe("sixteen-chars-l");
  });

  it("accepts text without the newline (a fixture, or a read of a prefix) and an empty name", () => {
    expect(parseComm("kworker/0:1")).toBe("kworker/0:1");
    expect(parseComm("\n")).toBe("");
    expect(parseComm("")).toBe("");
  });
});
