/**
 * /proc/mounts (a link to /proc/self/mounts) — proc_mounts(5), fstab(5) for the fields.
 * One mount per line, six space-separated fields as in fstab; spaces, tabs, newlines and
 * backslashes inside fields are written as octal escapes (\040 \011 \012 \134). Lists the mounts
 * of the reading process's mount namespace, below its root, in mount order (duplicates included).
 */
import { ParseError } from "../errors.js";
import type { Mount } from "../model/system-files.js";
import { decodeOctalEscapes, type LineProblem, lineProblem, splitTableLines, toCount, type WithProblems, withProblems } from "./_lines.js";

export type { Mount };

/**
 * Parses /proc/mounts (or /proc/PID/mounts).
 * parseMounts("/dev/sda1 /mnt/my\\040disk ext4 rw 0 0\n")[0].mountPoint === "/mnt/my disk"
 */
export function parseMounts(text: string): WithProblems<Mount[]> {
  const problems: LineProblem[] = [];
  const lines = splitTableLines(text, problems);
  const mounts: Mount[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    try {
      // The kernel prints no empty line here: one means a record was lost (cut or overwritten).
      if (line === "") throw new ParseError("empty line", line, i + 1);
      const fields = line.split(" ");
      if (fields.length < 6 || fields.slice(0, 6).some((field) => field === "")) {
        throw new ParseError('expected "source mountpoint type options dump pass"', line, i + 1);
      }
      mounts.push({
        source: decodeOctalEscapes(fields[0] as string),
        mountPoint: decodeOctalEscapes(fields[1] as string),
        fsType: decodeOctalEscapes(fields[2] as string),
        // Options are split before decoding: an escaped "," (\054) stays inside its option.
        options: (fields[3] as string).split(",").map(decodeOctalEscapes),
        dump: toCount(fields[4] as string, "the dump field", line, i + 1),
        pass: toCount(fields[5] as string, "the pass field", line, i + 1),
        other: fields.slice(6).map(decodeOctalEscapes),
      });
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      problems.push(lineProblem(error, line, i + 1));
    }
  }
  return withProblems(mounts, problems);
}
