/**
 * /proc/PID/auxv — getauxval(3). Binary: (type, value) pairs of native words, ending with AT_NULL.
 * We read AT_PAGESZ and AT_CLKTCK from it because Node offers no sysconf().
 */
import { ParseError } from "../../errors.js";

export const AT_PAGESZ = 6n;
export const AT_CLKTCK = 17n;

/** Parses a 64-bit little-endian auxv into a map from type to value. */
export function parseAuxv(bytes: Uint8Array): Map<bigint, bigint> {
  if (bytes.length % 16 !== 0) throw new ParseError("expected 16-byte (type, value) pairs", `${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = new Map<bigint, bigint>();
  for (let at = 0; at < bytes.length; at += 16) {
    const type = view.getBigUint64(at, true);
    if (type === 0n) break;
    entries.set(type, view.getBigUint64(at + 8, true));
  }
  return entries;
}
