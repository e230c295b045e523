import { describe, expect, it } from "vitest";
import { parseUptime } from "../../src/procfs/uptime.js";
import { captured, parseErrorOf } from "./_helpers.js";

describe("parseUptime()", () => {
  it("reads a real line, where idle time exceeds uptime on two CPUs", () => {
    const uptime = parseUptime(captured("uptime"));
    expect(uptime).toEqual({ uptimeSeconds: 417.06, idleSeconds: 783.64 });
    expect(uptime.idleSeconds).toBeGreaterThan(uptime.uptimeSeconds);
  });

  it("reads a machine up for years", () => {
    expect(parseUptime("315576000.99 9467280000.00\n")).toEqual({ uptimeSeconds: 315576000.99, idleSeconds: 9467280000 });
  });

  it("rejects a missing field and truncated input", () => {
    expect(parseErrorOf(() => parseUptime("417.06\n")).message).toMatch(/2 fields/);
    expect(parseErrorOf(() => parseUptime("417.06 -1\n")).line).toBe(1);
    expect(parseErrorOf(() => parseUptime("417.06 78")).message).toMatch(/truncated/);
    expect(parseErrorOf(() => parseUptime("")).line).toBe(1);
  });
});
