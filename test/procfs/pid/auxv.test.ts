/**
 * parseAuxv() on /proc/PID/auxv bytes captured on this project's VM (Linux 6.18, x86-64), and on
 * the same vector laid out in 32-bit words as the kernel writes it for a compat process.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { AT_CLKTCK, AT_PAGESZ, parseAuxv } from "../../../src/procfs/pid/auxv.js";

/** /proc/PID/auxv of `sleep 30` (368 bytes: 22 entries and AT_NULL), base64. */
const SLEEP_AUXV = Buffer.from(
  "IQAAAAAAAAAAgGMM3X8AADMAAAAAAAAAMA0AAAAAAAAQAAAAAAAAAP/rixcAAAAABgAAAAAAAAAAEAAAAAAAABEAAAAAAAAAZAAAAAAAAAADAAAAAAAAAEBgN4rKVQAABAAAAAAAAAA4AAAAAAAAAAUAAAAAAAAADQAAAAAAAAAHAAAAAAAAAACgYwzdfwAACAAAAAAAAAAAAAAAAAAAAAkAAAAAAAAAAIY3ispVAAALAAAAAAAAAAAAAAAAAAAADAAAAAAAAAAAAAAAAAAAAA0AAAAAAAAAAAAAAAAAAAAOAAAAAAAAAAAAAAAAAAAAFwAAAAAAAAAAAAAAAAAAABkAAAAAAAAAmfq7F/x/AAAaAAAAAAAAAAAAAAAAAAAAHwAAAAAAAADpH7wX/H8AAA8AAAAAAAAAqfq7F/x/AAAbAAAAAAAAABwAAAAAAAAAHAAAAAAAAAAgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "base64",
);

const AT_SYSINFO_EHDR = 33n;
const AT_PHENT = 4n;
const AT_ENTRY = 9n;
const AT_RANDOM = 25n;
const AT_EXECFN = 31n;

/** Lays out (type, value) pairs in little-endian words of `wordBytes`, as the kernel does. */
function auxv(entries: ReadonlyArray<readonly [bigint, bigint]>, wordBytes: 4 | 8): Buffer {
  const out = Buffer.alloc(entries.length * 2 * wordBytes);
  entries.forEach(([type, value], i) => {
    const at = i * 2 * wordBytes;
    if (wordBytes === 8) {
      out.writeBigUInt64LE(type, at);
      out.writeBigUInt64LE(value, at + 8);
    } else {
      out.writeUInt32LE(Number(type), at);
      out.writeUInt32LE(Number(value), at + 4);
    }
  });
  return out;
}

describe("parseAuxv()", () => {
  it("reads a real 64-bit vector: page size, clock ticks and the addresses, exactly", () => {
    const entries = parseAuxv(SLEEP_AUXV);
    expect(entries.size).toBe(22);
    expect(entries.get(AT_PAGESZ)).toBe(4096n);
    expect(entries.get(AT_CLKTCK)).toBe(100n);
    expect(entries.get(AT_PHENT)).toBe(56n);
    // Addresses above 2^32 (and in the 47-bit user space) survive as bigint.
    expect(entries.get(AT_SYSINFO_EHDR)).toBe(0x7fdd0c638000n);
    expect(entries.get(AT_ENTRY)).toBe(0x55ca8a378600n);
    expect(entries.get(AT_RANDOM)).toBe(0x7ffc17bbfa99n);
    expect(entries.get(AT_EXECFN)).toBe(0x7ffc17bc1fe9n);
    expect(entries.has(0n)).toBe(false);
  });

  it("reads a 32-bit (compat) vector when told its word size", () => {
    // Built from the small values of the captured vector: a compat process's auxv has the same
    // entries in 4-byte words (fs/compat_binfmt_elf.c sets elf_addr_t to u32).
    const small = [...parseAuxv(SLEEP_AUXV)].filter(([, value]) => value < 2n ** 32n);
    const bytes = auxv([...small, [0n, 0n]], 4);
    const entries = parseAuxv(bytes, 4);
    expect(entries).toEqual(new Map(small));
    expect(entries.get(AT_PAGESZ)).toBe(4096n);
    // Read as 64-bit it would pair type and value into one word: the widths must not be mixed up.
    expect(parseAuxv(bytes).get(AT_PAGESZ)).toBeUndefined();
  });

  it("stops at AT_NULL and ignores what follows", () => {
    const bytes = auxv(
      [
        [AT_PAGESZ, 4096n],
        [0n, 0n],
        [AT_CLKTCK, 100n],
        [0n, 0n],
      ],
      8,
    );
    expect(parseAuxv(bytes)).toEqual(new Map([[AT_PAGESZ, 4096n]]));
  });

  it("refuses a length that is not whole pairs of the word size", () => {
    expect(() => parseAuxv(SLEEP_AUXV.subarray(0, 360))).toThrow(ParseError);
    expect(() => parseAuxv(SLEEP_AUXV.subarray(0, 360))).toThrow(/expected 16-byte \(type, value\) pairs/);
    expect(() => parseAuxv(Buffer.alloc(12), 4)).toThrow(/expected 8-byte/);
    expect(parseAuxv(new Uint8Array(0))).toEqual(new Map());
  });

  it("reads a view at an odd offset inside a larger buffer", () => {
    const padded = Buffer.concat([Buffer.from([1, 2, 3]), SLEEP_AUXV]);
    expect(parseAuxv(padded.subarray(3)).get(AT_CLKTCK)).toBe(100n);
  });

  it("reads this process's own auxv (the live system agrees with the captured layout)", () => {
    const own = parseAuxv(readFileSync("/proc/self/auxv"));
    expect(own.get(AT_PAGESZ)).toBeGreaterThanOrEqual(4096n);
    expect(own.get(AT_CLKTCK)).toBe(100n);
  });
});
