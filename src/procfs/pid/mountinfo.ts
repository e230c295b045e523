/**
 * /proc/PID/mountinfo — proc(5), "/proc/pid/mountinfo"; mount_namespaces(7) for the optional fields.
 * One line per mount: six fields, zero or more optional "tag[:value]" fields, a "-" separator, then
 * fstype, source and super options. Space, tab, newline and backslash inside a field are written as
 * octal escapes ("\040"); an empty source leaves two spaces in a row after the fstype.
 */
import { decodeBytes } from "../../bytes.js";
import { ParseError } from "../../errors.js";
import { type LineProblem, parseEachLine, splitTableLines, type WithProblems, withProblems } from "../_lines.js";

export interface MountOptionalField {
  /** "shared", "master", "propagate_from", "unbindable", or a tag from a newer kernel. */
  readonly tag: string;
  readonly value: string | null;
}

export interface MountInfo {
  /** (1) mount ID, unique until the mount is unmounted. */
  readonly mountId: number;
  /** (2) the parent mount's ID; the root of the tree names itself or a mount outside the namespace. */
  readonly parentId: number;
  /** (3) st_dev of files on this mount, split. */
  readonly major: number;
  readonly minor: number;
  /** (4) the directory of the filesystem that forms this mount's root (not "/" for bind mounts). */
  readonly root: string;
  /** (5) where it is mounted, relative to the reading process's root directory. */
  readonly mountPoint: string;
  /** (6) per-mount options: "rw", "nosuid", "relatime"... */
  readonly mountOptions: readonly string[];
  /** (7) propagation fields, in file order. */
  readonly optionalFields: readonly MountOptionalField[];
  /** Peer group of a shared mount ("shared:N"), else null. */
  readonly shared: number | null;
  /** Peer group this slave mount receives from ("master:N"), else null. */
  readonly master: number | null;
  /** The nearest dominant peer group visible to the reader ("propagate_from:N"), else null. */
  readonly propagateFrom: number | null;
  readonly unbindable: boolean;
  /** (9) filesystem type, "type.subtype" for FUSE ("fuse.sshfs"). */
  readonly fsType: string;
  /** (10) filesystem-specific source ("/dev/sda1", "tmpfs", "host:/export"); null when empty. */
  readonly source: string | null;
  /** (11) per-superblock options; a quoted value (SELinux context="a,b") stays one option. */
  readonly superOptions: readonly string[];
}

const encoder = new TextEncoder();

/**
 * Decodes the kernel's "\ooo" octal escapes (seq_escape in fs/proc_namespace.c).
 * unescapeMountField("/mnt/my\\040disk") === "/mnt/my disk"
 */
export function unescapeMountField(field: string): string {
  if (!field.includes("\\")) return field;
  if (!/\\(?:[23][0-7]{2})/.test(field)) {
    return field.replace(/\\([01][0-7]{2})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
  }
  // An escaped byte >= 0x80 is part of a multi-byte character: rebuild the bytes, then decode.
  const chunks: Uint8Array[] = [];
  let last = 0;
  for (const match of field.matchAll(/\\([0-3][0-7]{2})/g)) {
    chunks.push(encoder.encode(field.slice(last, match.index)));
    chunks.push(Uint8Array.of(Number.parseInt(match[1] as string, 8)));
    last = match.index + match[0].length;
  }
  chunks.push(encoder.encode(field.slice(last)));
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return decodeBytes(bytes);
}

/** Splits "a,b=c,context=\"x,y\"" at commas outside double quotes, then unescapes each option. */
function splitOptions(field: string): string[] {
  const options: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < field.length; i++) {
    const c = field[i];
    if (c === '"') quoted = !quoted;
    else if (c === "," && !quoted) {
      options.push(field.slice(start, i));
      start = i + 1;
    }
  }
  options.push(field.slice(start));
  return options.filter((o) => o !== "").map(unescapeMountField);
}

function optionalNumber(fields: readonly MountOptionalField[], tag: string, line: string, lineNo: number): number | null {
  const field = fields.find((f) => f.tag === tag);
  if (field === undefined) return null;
  if (field.value === null || !/^\d+$/.test(field.value)) throw new ParseError(`"${tag}" needs a number`, line, lineNo);
  return Number(field.value);
}

function parseLine(line: string, lineNo: number): MountInfo {
  const parts = line.split(" ");
  // Before the separator no field is ever empty (paths are at least "/"), so runs of spaces are
  // one separator there; after it the source may be empty, so every space counts.
  const head: string[] = [];
  let k = 0;
  while (k < parts.length && !(parts[k] === "-" && head.length >= 6)) {
    const part = parts[k] as string;
    if (part !== "") head.push(part);
    k++;
  }
  if (k === parts.length) throw new ParseError('expected optional fields to end with " - "', line, lineNo);
  const tail = parts.slice(k + 1);
  if (tail.length < 3 || tail[0] === "") throw new ParseError('expected "fstype source options" after " - "', line, lineNo);
  const [mountIdText, parentIdText, device, root, mountPoint, options] = head as [string, string, string, string, string, string];
  if (!/^\d+$/.test(mountIdText) || !/^\d+$/.test(parentIdText)) throw new ParseError("the mount IDs are not numbers", line, lineNo);
  const dev = /^(\d+):(\d+)$/.exec(device);
  if (!dev) throw new ParseError('expected "major:minor" in field 3', line, lineNo);
  const optionalFields = head.slice(6).map((field): MountOptionalField => {
    const colon = field.indexOf(":");
    return colon < 0 ? { tag: field, value: null } : { tag: field.slice(0, colon), value: field.slice(colon + 1) };
  });
  const source = tail[1] as string;
  return {
    mountId: Number(mountIdText), // (1) mount ID
    parentId: Number(parentIdText), // (2) parent ID
    major: Number(dev[1]), // (3) major:minor
    minor: Number(dev[2]),
    root: unescapeMountField(root), // (4) root
    mountPoint: unescapeMountField(mountPoint), // (5) mount point
    mountOptions: splitOptions(options), // (6) mount options
    optionalFields, // (7) optional fields, (8) separator
    shared: optionalNumber(optionalFields, "shared", line, lineNo),
    master: optionalNumber(optionalFields, "master", line, lineNo),
    propagateFrom: optionalNumber(optionalFields, "propagate_from", line, lineNo),
    unbindable: optionalFields.some((f) => f.tag === "unbindable"),
    fsType: unescapeMountField(tail[0] as string), // (9) filesystem type
    source: source === "" ? null : unescapeMountField(source), // (10) mount source
    // (11) super options; spaces inside are escaped, so more parts only come from a non-kernel writer.
    superOptions: splitOptions(tail.slice(2).join(" ")),
  };
}

/**
 * Parses /proc/PID/mountinfo, one entry per mount in file order (parents before children).
 * parsePidMountinfo("22 27 0:21 / /proc rw,relatime - proc proc rw\n")[0]?.mountPoint === "/proc"
 */
export function parsePidMountinfo(text: string): WithProblems<MountInfo[]> {
  if (text === "") throw new ParseError("empty input", text, 1);
  const problems: LineProblem[] = [];
  // Every line ends with "\n"; without it the last line's options may be cut short (skipped).
  const lines = splitTableLines(text, problems);
  return withProblems(parseEachLine(lines, 0, problems, parseLine), problems);
}
