/**
 * /etc/group — group(5); getgrgid(3) for which entry wins.
 * "group_name:password:GID:user_list" lines, user_list comma-separated and often empty. Comments,
 * blank lines, NIS compat entries ("+", "-") and malformed lines are skipped, not fatal; when a GID
 * appears twice the first line wins, as getgrgid(3) returns it.
 */
import { accountLines, parseId } from "./passwd.js";

export interface GroupEntry {
  readonly name: string;
  readonly gid: number;
  /** Supplementary members by user name; users whose primary group this is are not listed. */
  readonly members: readonly string[];
  /** 1-based line number in the file. */
  readonly line: number;
}

export interface EtcGroup {
  /** Well-formed entries in file order, duplicates included. */
  readonly entries: readonly GroupEntry[];
  /** GID → group name, the first entry for each GID. */
  readonly names: ReadonlyMap<number, string>;
  /** 1-based numbers of the lines that were neither blank, a comment, nor a valid entry. */
  readonly skippedLines: readonly number[];
}

/**
 * Parses /etc/group.
 * parseEtcGroup("ssl-cert:x:103:postgres\n").entries[0]?.members → ["postgres"]
 */
export function parseEtcGroup(text: string): EtcGroup {
  const entries: GroupEntry[] = [];
  const names = new Map<number, string>();
  const skippedLines: number[] = [];
  for (const { fields, line } of accountLines(text, 4, skippedLines)) {
    const name = fields[0] as string;
    const gid = parseId(fields[2] as string);
    if (gid === null) {
      skippedLines.push(line);
      continue;
    }
    const members = (fields[3] as string).split(",").filter((m) => m !== "");
    entries.push({ name, gid, members, line });
    if (!names.has(gid)) names.set(gid, name);
  }
  return { entries, names, skippedLines };
}
