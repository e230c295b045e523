import { describe, expect, it } from "vitest";
import { parseCpuinfo } from "../../src/procfs/cpuinfo.js";
import { captured, parseErrorOf } from "./_helpers.js";

// arm64 (4.x and later): other keys, "Features" for flags, "BogoMIPS" capitalised, no model name.
const ARM64 = `processor\t: 0
BogoMIPS\t: 48.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid
CPU implementer\t: 0x41
CPU architecture: 8
CPU variant\t: 0x0
CPU part\t: 0xd08
CPU revision\t: 3

processor\t: 1
BogoMIPS\t: 48.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid
CPU implementer\t: 0x41
CPU architecture: 8
CPU variant\t: 0x0
CPU part\t: 0xd08
CPU revision\t: 3

`;

// 32-bit ARM before 3.8: a "Processor" model line opens the first block, and a machine block follows.
const OLD_ARM = `Processor\t: ARMv7 Processor rev 10 (v7l)
processor\t: 0
BogoMIPS\t: 790.52

processor\t: 1
BogoMIPS\t: 790.52

Features\t: swp half thumb fastmult vfp edsp neon vfpv3 tls
CPU implementer\t: 0x41
Hardware\t: Freescale i.MX 6Quad/DualLite (Device Tree)
Revision\t: 0000
Serial\t\t: 0000000000000000
`;

describe("parseCpuinfo()", () => {
  it("reads a real x86 file, one record per logical CPU", () => {
    const info = parseCpuinfo(captured("cpuinfo"));
    expect(info.processors.map((cpu) => cpu.processor)).toEqual([0, 1]);
    expect(info.other).toEqual([]);
    const cpu1 = info.processors[1]!;
    expect(cpu1.vendorId).toBe("AuthenticAMD");
    expect(cpu1.modelName).toBe("AMD EPYC");
    expect(cpu1.cpuMhz).toBe(2596.14);
    expect(cpu1.cacheSizeBytes).toBe(1024 * 1024);
    expect(cpu1.physicalId).toBe(0);
    expect(cpu1.siblings).toBe(2);
    expect(cpu1.coreId).toBe(1);
    expect(cpu1.cpuCores).toBe(2);
    expect(cpu1.apicId).toBe(1);
    expect(cpu1.flags).toContain("avx512f");
    expect(cpu1.flags).toContain("hypervisor");
    expect(cpu1.bugs).toContain("spectre_v2");
    expect(cpu1.bogomips).toBe(5192.28);
    expect(cpu1.raw["TLB size"]).toBe("3584 4K pages");
    expect(cpu1.raw["power management"]).toBe("");
  });

  it("reads arm64 records, with Features as flags and null for x86-only fields", () => {
    const info = parseCpuinfo(ARM64);
    expect(info.processors).toHaveLength(2);
    const cpu0 = info.processors[0]!;
    expect(cpu0.flags).toEqual(["fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "cpuid"]);
    expect(cpu0.bogomips).toBe(48);
    expect(cpu0.modelName).toBeNull();
    expect(cpu0.cpuMhz).toBeNull();
    expect(cpu0.cacheSizeBytes).toBeNull();
    expect(cpu0.bugs).toBeNull();
    expect(cpu0.raw["CPU architecture"]).toBe("8");
  });

  it("keeps the non-processor blocks of 32-bit ARM in other", () => {
    const info = parseCpuinfo(OLD_ARM);
    expect(info.processors.map((cpu) => [cpu.processor, cpu.bogomips])).toEqual([
      [0, 790.52],
      [1, 790.52],
    ]);
    expect(info.other).toHaveLength(2);
    expect(info.other[0]).toEqual({ Processor: "ARMv7 Processor rev 10 (v7l)" });
    expect(info.other[1]?.Hardware).toBe("Freescale i.MX 6Quad/DualLite (Device Tree)");
  });

  it("rejects lines without a key, a non-numeric processor and truncated input", () => {
    expect(parseErrorOf(() => parseCpuinfo("processor\t: 0\nflags fpu vme\n")).line).toBe(2);
    expect(parseErrorOf(() => parseCpuinfo("processor\t: zero\n")).line).toBe(1);
    expect(parseErrorOf(() => parseCpuinfo("processor\t: 0\ncpu MHz\t\t: 2596.1.4\n")).line).toBe(2);
    expect(parseErrorOf(() => parseCpuinfo("processor\t: 0\ncache size\t: 1024 MB\n")).line).toBe(2);
    const cut = parseErrorOf(() => parseCpuinfo("processor\t: 0\nflags\t\t: fpu vme de ps"));
    expect(cut.line).toBe(2);
    expect(parseErrorOf(() => parseCpuinfo("")).line).toBe(1);
  });
});
