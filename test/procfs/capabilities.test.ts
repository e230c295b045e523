import { describe, expect, it } from "vitest";
import { InvalidArgument } from "../../src/errors.js";
import { CAP_LAST_CAP, CAPABILITY_NAMES, capabilityNames, capabilityNumber, isFullCapabilitySet } from "../../src/procfs/capabilities.js";

// Captured from this machine's /proc/self/status (kernel 6.18, cap_last_cap 40): everything but
// cap_sys_resource (bit 24).
const CAP_EFF = 0x000001fffeffffffn;

describe("capabilityNames()", () => {
  it("decodes a real effective set", () => {
    const names = capabilityNames(CAP_EFF);
    expect(names).toHaveLength(40);
    expect(names).not.toContain("cap_sys_resource");
    expect(names[0]).toBe("cap_chown");
    expect(names.at(-1)).toBe("cap_checkpoint_restore");
  });

  it("returns nothing for an empty set", () => {
    expect(capabilityNames(0n)).toEqual([]);
  });

  it("names bits by capabilities(7) numbers", () => {
    expect(capabilityNames(1n << 21n)).toEqual(["cap_sys_admin"]);
    expect(capabilityNames((1n << 38n) | (1n << 39n))).toEqual(["cap_perfmon", "cap_bpf"]);
    expect(capabilityNames(1n << 40n)).toEqual(["cap_checkpoint_restore"]);
  });

  it('shows unknown high bits as "cap_N"', () => {
    expect(capabilityNames((1n << 41n) | (1n << 63n) | 1n)).toEqual(["cap_chown", "cap_41", "cap_63"]);
  });

  it("rejects a mask that is not 64-bit unsigned", () => {
    expect(() => capabilityNames(-1n)).toThrow(InvalidArgument);
    expect(() => capabilityNames(1n << 64n)).toThrow(InvalidArgument);
  });
});

describe("isFullCapabilitySet()", () => {
  it("says whether every capability up to cap_last_cap is set", () => {
    expect(isFullCapabilitySet(0x000001ffffffffffn)).toBe(true);
    expect(isFullCapabilitySet(CAP_EFF)).toBe(false);
    expect(isFullCapabilitySet(0n)).toBe(false);
  });

  it("judges against the running kernel's cap_last_cap when given", () => {
    // A 5.4 kernel (cap_last_cap 37) shows a root bounding set of 0000003fffffffff.
    expect(isFullCapabilitySet(0x0000003fffffffffn, 37)).toBe(true);
    expect(isFullCapabilitySet(0x0000003fffffffffn)).toBe(false);
    expect(() => isFullCapabilitySet(1n, 64)).toThrow(InvalidArgument);
  });
});

describe("capabilityNumber()", () => {
  it("maps names of either case and cap_N back to numbers", () => {
    expect(capabilityNumber("cap_chown")).toBe(0);
    expect(capabilityNumber("CAP_SYS_ADMIN")).toBe(21);
    expect(capabilityNumber("cap_45")).toBe(45);
    expect(capabilityNumber("cap_64")).toBeNull();
    expect(capabilityNumber("chown")).toBeNull();
  });
});

describe("CAPABILITY_NAMES", () => {
  it("ends at cap_checkpoint_restore = 40, matching this machine's cap_last_cap", () => {
    expect(CAP_LAST_CAP).toBe(40);
    expect(CAPABILITY_NAMES[40]).toBe("cap_checkpoint_restore");
    expect(CAPABILITY_NAMES.indexOf("cap_setfcap")).toBe(31);
  });
});
