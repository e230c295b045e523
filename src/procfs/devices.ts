/**
 * /proc/devices — proc_devices(5) (proc(5) "/proc/devices" on older man-pages).
 * "Character devices:" then "Block devices:" sections of "%3d name" lines, separated by a blank
 * line; one major may carry several names, and the block section is absent without CONFIG_BLOCK.
 */
import { ParseError } from "../errors.js";
import type { DeviceMajor, Devices } from "../model/system-files.js";
import { missing, splitLines, toCount } from "./_lines.js";

export type { DeviceMajor, Devices };

/**
 * Parses /proc/devices.
 * parseDevices("Character devices:\n  1 mem\n\nBlock devices:\n  7 loop\n").block → [{ major: 7, name: "loop" }]
 */
export function parseDevices(text: string): Devices {
  const lines = splitLines(text);
  let character: DeviceMajor[] | null = null;
  let block: DeviceMajor[] | null = null;
  let current: DeviceMajor[] | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === "") continue;
    if (line === "Character devices:" || line === "Block devices:") {
      const fresh: DeviceMajor[] = [];
      if (line === "Character devices:") {
        if (character !== null) throw new ParseError("second character section", line, i + 1);
        character = fresh;
      } else {
        if (block !== null) throw new ParseError("second block section", line, i + 1);
        block = fresh;
      }
      current = fresh;
      continue;
    }
    if (current === null) throw new ParseError('expected "Character devices:" first', line, i + 1);
    const match = /^ *(\d+) (\S.*)$/.exec(line);
    if (!match) throw new ParseError('expected "MAJOR name"', line, i + 1);
    current.push({ major: toCount(match[1] as string, "the major number", line, i + 1), name: match[2] as string });
  }
  if (character === null) throw missing('"Character devices:" section', lines);
  return { character, block };
}
