import { describe, expect, it } from "vitest";
import { ParseError } from "../../src/errors.js";
import { isSystemFileName, SYSTEM_FILE_NAMES, SYSTEM_FILES } from "../../src/procfs/system-files.js";
import { captured } from "./_helpers.js";

const NAMES = [
  "meminfo",
  "cpuinfo",
  "loadavg",
  "uptime",
  "stat",
  "vmstat",
  "zoneinfo",
  "devices",
  "dma",
  "version",
  "filesystems",
  "partitions",
  "diskstats",
  "mounts",
  "swaps",
];

describe("SYSTEM_FILES", () => {
  it("lists every system file by its short name, with the path the kernel uses", () => {
    expect(SYSTEM_FILE_NAMES).toEqual(NAMES);
    for (const name of SYSTEM_FILE_NAMES) {
      const file = SYSTEM_FILES[name];
      expect(file.path).toBe(name);
      expect(typeof file.parse).toBe("function");
      expect(file.description).toMatch(/^[A-Z].{10,}[^.]$/);
    }
  });

  it("parses every captured file through its entry", () => {
    for (const name of SYSTEM_FILE_NAMES) {
      expect(SYSTEM_FILES[name].parse(captured(name)), name).toBeTruthy();
    }
  });

  it("points each entry at the right parser: a file fed to another parser fails", () => {
    expect(() => SYSTEM_FILES.loadavg.parse(captured("uptime"))).toThrow(ParseError);
    expect(() => SYSTEM_FILES.meminfo.parse(captured("vmstat"))).toThrow(ParseError);
  });

  it("cannot be changed at run time", () => {
    expect(Object.isFrozen(SYSTEM_FILES)).toBe(true);
    expect(Object.isFrozen(SYSTEM_FILES.stat)).toBe(true);
  });
});

describe("isSystemFileName()", () => {
  it("accepts the registry's names and nothing inherited", () => {
    expect(isSystemFileName("meminfo")).toBe(true);
    expect(isSystemFileName("mountinfo")).toBe(false);
    expect(isSystemFileName("toString")).toBe(false);
    expect(isSystemFileName("__proto__")).toBe(false);
  });
});
