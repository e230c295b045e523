/**
 * /proc/PID/auxv — getauxval(3). Binary: (type, value) pairs of native words, ending with AT_NULL.
 * We read AT_PAGESZ and AT_CLKTCK from it because Node offers no sysconf().
 */
import { ParseError } from "../../errors.js";

export const AT_PAGESZ = 6n;
export const AT_CLKTCK = 17n;

/**
 * Parses an auxv of little-endian native words into a map from type to value. The kernel writes
 * it in the process's own word size (fs/binfmt_elf.c, elf_addr_t): 8 bytes for a 64-bit process,
 * 4 for a 32-bit one under compat, so the caller says which.
 * parseAuxv(readFileSync("/proc/self/auxv")).get(AT_PAGESZ) === 4096n
 */
export function parseAuxv(bytes: Uint8Array, wordBytes: 4 | 8 = 8): Map<bigint, bigint> {
  const pair = wordBytes * 2;
  if (bytes.length % pair !== 0) throw new ParseError(`expected ${pair}-byte (type, value) pairs`, `${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const word = wordBytes === 8 ? (at: number) => view.getBigUint64(at, true) : (at: number) => BigInt(view.getUint32(at, true));
  const entries = new Map<bigint, bigint>();
  for (let at = 0; at < bytes.length; at += pair) {
    const type = word(at);
    if (type === 0n) break;
    entries.set(type, word(at + wordBytes));
  }
  return entries;
}
