/**
 * /proc/PID/personality — proc(5), "/proc/pid/personality"; personality(2), <linux/personality.h>.
 * The execution domain as eight hex digits and a newline ("%08x"). The low byte is the base
 * personality (PER_MASK); the bits above it are flags such as ADDR_NO_RANDOMIZE. Reading another
 * process's needs ptrace attach access.
 */
import { ParseError } from "../../errors.js";

/** Flag bits from <linux/personality.h>, by value. */
export const PERSONALITY_FLAGS = {
  UNAME26: 0x0020000,
  ADDR_NO_RANDOMIZE: 0x0040000,
  FDPIC_FUNCPTRS: 0x0080000,
  MMAP_PAGE_ZERO: 0x0100000,
  ADDR_COMPAT_LAYOUT: 0x0200000,
  READ_IMPLIES_EXEC: 0x0400000,
  ADDR_LIMIT_32BIT: 0x0800000,
  SHORT_INODE: 0x1000000,
  WHOLE_SECONDS: 0x2000000,
  STICKY_TIMEOUTS: 0x4000000,
  ADDR_LIMIT_3GB: 0x8000000,
} as const;

export type PersonalityFlag = keyof typeof PERSONALITY_FLAGS;

/** PER_MASK: the base personality lives in the low byte. */
export const PER_MASK = 0xff;

/** Base personalities indexed by their low-byte value; 0x03 and 0x06 are shared and told apart by flags. */
const BASES: readonly string[] = [
  "PER_LINUX", // 0x00
  "PER_SVR4",
  "PER_SVR3",
  "PER_SCOSVR3",
  "PER_WYSEV386",
  "PER_ISCR4",
  "PER_BSD",
  "PER_XENIX",
  "PER_LINUX32", // 0x08
  "PER_IRIX32",
  "PER_IRIXN32",
  "PER_IRIX64",
  "PER_RISCOS",
  "PER_SOLARIS",
  "PER_UW7",
  "PER_OSF4",
  "PER_HPUX", // 0x10
];

export interface PidPersonality {
  /** The whole persona value as the kernel printed it. */
  readonly value: number;
  /** value & PER_MASK. */
  readonly base: number;
  /** "PER_LINUX", "PER_LINUX32"...; null for a base value <linux/personality.h> does not name. */
  readonly baseName: string | null;
  /** Known flag bits that are set, lowest bit first. */
  readonly flags: readonly PersonalityFlag[];
  /** Bits above the low byte that match no known flag; 0 normally. */
  readonly unknownFlags: number;
}

/**
 * Decodes a personality(2) value.
 * decodePersonality(0x0040000).flags → ["ADDR_NO_RANDOMIZE"]
 */
export function decodePersonality(value: number): PidPersonality {
  const base = value & PER_MASK;
  const flags: PersonalityFlag[] = [];
  let rest = (value & ~PER_MASK) >>> 0;
  for (const [name, bit] of Object.entries(PERSONALITY_FLAGS) as [PersonalityFlag, number][]) {
    if (value & bit) {
      flags.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  let baseName = BASES[base] ?? null;
  // PER_OSR5 is PER_SCOSVR3 without SHORT_INODE; PER_SUNOS is PER_BSD with STICKY_TIMEOUTS.
  if (base === 0x03 && !(value & PERSONALITY_FLAGS.SHORT_INODE)) baseName = "PER_OSR5";
  if (base === 0x06 && value & PERSONALITY_FLAGS.STICKY_TIMEOUTS) baseName = "PER_SUNOS";
  return { value, base, baseName, flags, unknownFlags: rest };
}

/**
 * Parses /proc/PID/personality.
 * parsePidPersonality("00040000\n").flags → ["ADDR_NO_RANDOMIZE"]; .baseName === "PER_LINUX"
 */
export function parsePidPersonality(text: string): PidPersonality {
  // Always exactly eight digits: a shorter value was cut short.
  if (!/^[0-9a-fA-F]{8}\n?$/.test(text)) throw new ParseError('expected eight hex digits ("%08x")', text, 1);
  return decodePersonality(Number.parseInt(text, 16));
}
