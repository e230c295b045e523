/**
 * Names a controlling terminal from stat's tty_nr the way ps does, without scanning /dev:
 * devices.txt in the kernel docs fixes the majors of the usual terminals.
 */
import { decodeTtyNr } from "../procfs/pid/stat.js";

/** ttyName(34816) === "pts/0"; null when the process has no terminal. */
export function ttyName(ttyNr: number): string | null {
  const dev = decodeTtyNr(ttyNr);
  if (dev === null) return null;
  const { major, minor } = dev;
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
  if (major === 5 && minor === 0) return "tty";
  if (major === 5 && minor === 1) return "console";
  if (major === 204 && minor >= 64) return `ttyAMA${minor - 64}`;
  if (major === 188) return `ttyUSB${minor}`;
  if (major === 166) return `ttyACM${minor}`;
  return `${major}:${minor}`;
}
