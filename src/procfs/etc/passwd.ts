/**
 * /etc/passwd — passwd(5); getpwuid(3) for which entry wins.
 * "name:password:UID:GID:GECOS:directory:shell" lines. Comments, blank lines, NIS compat entries
 * ("+", "-") and malformed lines occur in the wild and are skipped, not fatal; when a UID appears
 * twice the first line wins, as getpwuid(3) returns it.
 */

export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** The comment field: full name, office, phone...; may be empty. */
  readonly gecos: string;
  readonly home: string;
  readonly shell: string;
  /** 1-based line number in the file. */
  readonly line: number;
}

export interface EtcPasswd {
  /** Well-formed entries in file order, duplicates included. */
  readonly entries: readonly PasswdEntry[];
  /** UID → user name, the first entry for each UID. */
  readonly names: ReadonlyMap<number, string>;
  /** 1-based numbers of the lines that were neither blank, a comment, nor a valid entry. */
  readonly skippedLines: readonly number[];
}

/** A uid_t or gid_t: decimal, 0..2^32-2 ((uid_t)-1 is "no ID"), else null. parseId("1000") === 1000 */
export function parseId(text: string): number | null {
  if (!/^\d{1,10}$/.test(text)) return null;
  const id = Number(text);
  return id < 4294967295 ? id : null;
}

/**
 * The entry lines of a colon-separated account file (passwd, group), with their 1-based numbers.
 * Blank lines and comments are passed over; a line without `fieldCount` fields, without a name,
 * or naming a NIS compat entry ("+", "-") is added to `skipped`.
 */
export function* accountLines(text: string, fieldCount: number, skipped: number[]): Generator<{ fields: string[]; line: number }> {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, "");
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const fields = line.split(":");
    const name = fields[0] as string;
    if (fields.length !== fieldCount || name === "" || /^[+-]/.test(name)) skipped.push(i + 1);
    else yield { fields, line: i + 1 };
  }
}

/**
 * Parses /etc/passwd.
 * parseEtcPasswd("root:x:0:0:root:/root:/bin/bash\n").names.get(0) === "root"
 */
export function parseEtcPasswd(text: string): EtcPasswd {
  const entries: PasswdEntry[] = [];
  const names = new Map<number, string>();
  const skippedLines: number[] = [];
  for (const { fields, line } of accountLines(text, 7, skippedLines)) {
    const name = fields[0] as string;
    const uid = parseId(fields[2] as string);
    const gid = parseId(fields[3] as string);
    if (uid === null || gid === null) {
      skippedLines.push(line);
      continue;
    }
    entries.push({ name, uid, gid, gecos: fields[4] as string, home: fields[5] as string, shell: fields[6] as string, line });
    if (!names.has(uid)) names.set(uid, name);
  }
  return { entries, names, skippedLines };
}
