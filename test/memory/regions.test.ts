import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InvalidArgument, NotFound } from "../../src/errors.js";
import {
  DEFAULT_SELECTOR,
  parseByteCount,
  parseHexAddress,
  parseRegionSelector,
  resolveAddress,
  selectRegions,
} from "../../src/memory/regions.js";
import { compilePattern, parseHexBytes } from "../../src/memory/search.js";
import { problemsOf } from "../../src/procfs/_lines.js";
import { parsePidMaps } from "../../src/procfs/pid/maps.js";
import { createSmapsParser, parsePidSmaps, type SmapsRegion, smapsTotals } from "../../src/procfs/pid/smaps.js";

const ZOO = parsePidMaps(readFileSync(new URL("./fixtures/zoo.maps", import.meta.url), "utf8"));
const HEAP = ZOO.find((r) => r.kind === "heap");

describe("selectRegions()", () => {
  it("picks heap, stack and path substrings", () => {
    expect(selectRegions(ZOO, parseRegionSelector("heap"), 1).map((s) => s.region)).toEqual([HEAP]);
    expect(selectRegions(ZOO, parseRegionSelector("stack"), 1)[0]?.region.path).toBe("[stack]");
    expect(selectRegions(ZOO, parseRegionSelector("libc"), 1)).toHaveLength(5);
    expect(selectRegions(ZOO, parseRegionSelector("heap,stack"), 1)).toHaveLength(2);
    expect(selectRegions(ZOO, parseRegionSelector("all"), 1)).toHaveLength(ZOO.length);
  });

  it("defaults to writable private regions, never shared ones", () => {
    const picked = selectRegions(ZOO, DEFAULT_SELECTOR, 1).map((s) => s.region);
    expect(picked.every((r) => r.perms[1] === "w" && r.perms[3] === "p")).toBe(true);
    expect(picked.some((r) => r.kind === "heap")).toBe(true);
    expect(picked.some((r) => r.kind === "shm" || r.kind === "memfd")).toBe(false);
    expect(selectRegions(ZOO, parseRegionSelector("rw"), 1).some((r) => r.region.kind === "memfd")).toBe(true);
  });

  it("clips an address range to the regions it overlaps", () => {
    const start = (HEAP?.start as bigint) + 0x100n;
    const picked = selectRegions(ZOO, parseRegionSelector(`0x${start.toString(16)}-0x${(start + 0x10n).toString(16)}`), 1);
    expect(picked).toEqual([{ region: HEAP, start, end: start + 0x10n }]);
  });

  it("throws NotFound when nothing matches and InvalidArgument for malformed selectors", () => {
    expect(() => selectRegions(ZOO, parseRegionSelector("libnothing"), 7)).toThrow(
      new NotFound('region selector "libnothing" matches no region of process 7'),
    );
    expect(() => parseRegionSelector("")).toThrow(InvalidArgument);
    expect(() => parseRegionSelector("heap,")).toThrow(InvalidArgument);
    expect(() => parseRegionSelector("0x2000-0x1000")).toThrow(/above the start/);
    expect(() => parseRegionSelector("0x10-zz")).toThrow(/malformed address range/);
  });
});

describe("resolveAddress()", () => {
  it("adds and subtracts offsets to hex addresses and region names", () => {
    expect(resolveAddress("0x1000", ZOO, 1)).toBe(0x1000n);
    expect(resolveAddress("7ffd0000", ZOO, 1)).toBe(0x7ffd0000n);
    expect(resolveAddress("heap+0x10", ZOO, 1)).toBe((HEAP?.start as bigint) + 0x10n);
    expect(resolveAddress("heap + 16", ZOO, 1)).toBe((HEAP?.start as bigint) + 16n);
    expect(resolveAddress("0x1000-0x10", ZOO, 1)).toBe(0xff0n);
    expect(resolveAddress("libc.so.6+0x1000", ZOO, 1)).toBe((ZOO.find((r) => r.path?.includes("libc"))?.start as bigint) + 0x1000n);
  });

  it("rejects malformed, empty, ambiguous and negative addresses", () => {
    expect(() => resolveAddress("0xZZ", ZOO, 1)).toThrow(/malformed address "0xZZ"/);
    expect(() => resolveAddress("", ZOO, 1)).toThrow(InvalidArgument);
    expect(() => resolveAddress("all+1", ZOO, 1)).toThrow(/names no single region/);
    expect(() => resolveAddress("0x10-0x20", ZOO, 1)).toThrow(/below zero/);
    expect(() => parseHexAddress("0x12345678123456789")).toThrow(InvalidArgument);
  });
});

describe("parseByteCount()", () => {
  it("reads decimal, hex and binary suffixes", () => {
    expect(parseByteCount("64")).toBe(64);
    expect(parseByteCount("0x40")).toBe(64);
    expect(parseByteCount("4k")).toBe(4096);
    expect(parseByteCount("2M")).toBe(2 * 1024 * 1024);
    expect(() => parseByteCount("-1")).toThrow(InvalidArgument);
    expect(() => parseByteCount("lots")).toThrow(InvalidArgument);
  });
});

describe("compilePattern()", () => {
  it("parses hex bytes in the usual spellings", () => {
    expect(parseHexBytes("de ad be ef")).toEqual(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    expect(parseHexBytes("0xde,0xad")).toEqual(Buffer.from([0xde, 0xad]));
    expect(parseHexBytes("DEAD")).toEqual(Buffer.from([0xde, 0xad]));
    expect(() => parseHexBytes("dea")).toThrow(/odd number/);
    expect(() => parseHexBytes("xyz")).toThrow(/malformed hex/);
  });

  it("overlaps chunks by pattern length - 1 for literals and rejects empty or empty-matching patterns", () => {
    expect(compilePattern({ pattern: "abcd" }).overlap).toBe(3);
    expect(compilePattern({ pattern: "ab", utf16: true }).literal).toEqual(Buffer.from("a\0b\0", "latin1"));
    expect(() => compilePattern({ pattern: "" })).toThrow(/empty pattern/);
    expect(() => compilePattern({ pattern: "a*", regex: true })).toThrow(/matches the empty string/);
    expect(() => compilePattern({ pattern: "de", hex: true, regex: true })).toThrow(InvalidArgument);
  });
});

describe("parsePidSmaps()", () => {
  const text = readFileSync(new URL("./fixtures/zoo.smaps", import.meta.url), "utf8");
  it("reads one region per block with sizes in bytes and VmFlags", () => {
    const regions = parsePidSmaps(text);
    expect(regions).toHaveLength(text.split("\n").filter((l) => l.startsWith("VmFlags:")).length);
    const first = regions[0];
    expect(first?.sizeBytes).toBe(first?.usage.kernelBytes.Size);
    expect(first?.usage.vmFlags).toContain("rd");
    const heap = regions.find((r) => r.kind === "heap");
    expect(heap?.usage.rssBytes).toBe(
      Number(/\[heap\]\nSize:\s+\d+ kB\nKernelPageSize:\s+\d+ kB\nMMUPageSize:\s+\d+ kB\nRss:\s+(\d+) kB/.exec(text)?.[1]) * 1024,
    );
  });

  it("sums totals over all regions", () => {
    const regions = parsePidSmaps(text);
    const totals = smapsTotals(regions);
    const rssLines = [...text.matchAll(/^Rss:\s+(\d+) kB$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(totals.rssBytes).toBe(rssLines * 1024);
    expect(totals.sizeBytes).toBe(regions.reduce((sum, r) => sum + r.sizeBytes, 0));
  });

  it("skips fields before any region line, and a bad region with its fields", () => {
    expect(problemsOf(parsePidSmaps("Rss:  4 kB\n"))[0]?.reason).toMatch(/region line/);
    const text =
      "1000-2000 r--p 00000000 00:00 0\nRss:  4 kB\n3000-2000 r--p 00000000 00:00 0\nRss:  8 kB\n4000-5000 r--p 00000000 00:00 0\nRss:  12 kB\n";
    const regions = parsePidSmaps(text);
    expect(regions.map((r) => r.usage.rssBytes)).toEqual([4096, 12288]);
    expect(problemsOf(regions).map((p) => p.line)).toEqual([3]);
  });

  it("createSmapsParser() fed in pieces cut anywhere gives the whole parse's regions, and keep() picks blocks", () => {
    const whole = parsePidSmaps(text).map(({ section: _s, label: _l, ...rest }) => rest);
    for (const size of [1, 7, 100, 4096]) {
      const pieces: SmapsRegion[] = [];
      const parser = createSmapsParser((r) => pieces.push(r));
      for (let at = 0; at < text.length; at += size) parser.feed(text.slice(at, at + size));
      expect(parser.end()).toEqual([]);
      expect(pieces.map(({ section: _s, label: _l, ...rest }) => rest)).toEqual(whole);
    }
    const code: SmapsRegion[] = [];
    const parser = createSmapsParser(
      (r) => code.push(r),
      (header) => header.executable,
    );
    parser.feed(text);
    parser.end();
    expect(code.length).toBeGreaterThan(0);
    expect(code.map((r) => r.start)).toEqual(whole.filter((r) => r.executable).map((r) => r.start));
    // A last line without its newline is still read.
    const unterminated: SmapsRegion[] = [];
    const cut = createSmapsParser((r) => unterminated.push(r));
    cut.feed("1000-2000 r--p 00000000 00:00 0\nRss:  4 kB");
    cut.end();
    expect(unterminated.map((r) => r.usage.rssBytes)).toEqual([4096]);
  });
});
