/**
 * /proc/net/unix — proc(5), "/proc/net/unix"; net/unix/af_unix.c unix_seq_show().
 * Columns "Num RefCount Protocol Flags Type St Inode Path"; Path is absent for unnamed sockets,
 * starts with "@" for abstract ones (NUL bytes shown as "@"), and is printed raw (may hold spaces).
 */
import { ParseError } from "../../errors.js";
import { type LineProblem, lineProblem, type WithProblems, withProblems } from "../_lines.js";

export interface UnixSocketEntry {
  /** SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_SEQPACKET = 5. */
  readonly typeCode: number;
  readonly type: "stream" | "dgram" | "seqpacket" | string;
  /** SS_UNCONNECTED 1, SS_CONNECTING 2, SS_CONNECTED 3, SS_DISCONNECTING 4. */
  readonly stateCode: number;
  readonly state: string;
  /** __SO_ACCEPTCON in Flags: a listening socket. */
  readonly listening: boolean;
  readonly refCount: number;
  readonly inode: number;
  /** Bound path, "@name" for the abstract namespace, null when unnamed. */
  readonly path: string | null;
}

const TYPES: Record<number, string> = { 1: "stream", 2: "dgram", 5: "seqpacket" };
const STATES = ["FREE", "UNCONNECTED", "CONNECTING", "CONNECTED", "DISCONNECTING"];
const SO_ACCEPTCON = 0x10000;

const RECORD = /^([0-9a-f]+): ([0-9A-F]+) ([0-9A-F]+) ([0-9A-F]+) ([0-9A-F]+) ([0-9A-F]+) +(\d+)(?: (.*))?$/;

/**
 * Parses /proc/net/unix. unix_seq_show() prints the bound path byte for byte, so a path holding
 * "\n" goes on over the next physical line(s), and may go on with text shaped like a whole record.
 * `names` (inode → name spelled as in `text`, for the sockets the kernel listed over sock_diag's
 * UNIX_DIAG_NAME) tells how many lines each name takes, so such lines stay part of the name. A
 * socket missing from `names` (closed meanwhile, or no names given) keeps the guess: a line that
 * does not start like a record is joined to the record before it, and a forged one is listed as
 * a socket (it can never hide a real one, which always starts a line).
 * Lines that are neither are skipped and listed in problemsOf(result).
 * parseNetUnix(text).filter((s) => s.listening)
 */
export function parseNetUnix(text: string, names?: ReadonlyMap<number, string>): WithProblems<UnixSocketEntry[]> {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const header = (lines[0] ?? "").trim().split(/\s+/).join(" ");
  if (header !== "Num RefCount Protocol Flags Type St Inode Path")
    throw new ParseError('unexpected columns: expected "Num RefCount Protocol Flags Type St Inode Path"', lines[0] ?? "", 1);
  const entries: UnixSocketEntry[] = [];
  const problems: LineProblem[] = [];
  // A path may end in "\n": the line after it is then empty. Only the text's final "\n" was popped.
  let last: { entry: UnixSocketEntry; path: string | null } | undefined;
  // Lines the last record's name (as the kernel told it) still takes, whatever they look like.
  let owedLines = 0;
  const flush = () => {
    if (last) entries.push({ ...last.entry, path: last.path === null || last.path === "" ? null : last.path });
    last = undefined;
  };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (last && last.path !== null && owedLines > 0) {
      last.path += `\n${line}`;
      owedLines--;
      continue;
    }
    const match = RECORD.exec(line);
    if (!match) {
      if (last && last.path !== null) {
        last.path += `\n${line}`;
        continue;
      }
      problems.push(lineProblem('expected "Num: RefCount Protocol Flags Type St Inode [Path]"', line, i + 1));
      continue;
    }
    flush();
    const typeCode = Number.parseInt(match[5] as string, 16);
    const stateCode = Number.parseInt(match[6] as string, 16);
    const inode = Number(match[7]);
    if (!Number.isSafeInteger(inode)) {
      problems.push(lineProblem("inode exceeds 2^53", line, i + 1));
      continue;
    }
    last = {
      entry: {
        typeCode,
        type: TYPES[typeCode] ?? `type${typeCode}`,
        stateCode,
        state: STATES[stateCode] ?? `0x${stateCode.toString(16)}`,
        listening: (Number.parseInt(match[4] as string, 16) & SO_ACCEPTCON) !== 0,
        refCount: Number.parseInt(match[2] as string, 16),
        inode,
        path: null,
      },
      path: match[8] === undefined ? null : match[8],
    };
    const name = names?.get(inode);
    const firstLineOfName = name?.split("\n", 1)[0];
    if (name !== undefined && last.path === firstLineOfName) owedLines = name.length - name.replaceAll("\n", "").length;
  }
  flush();
  return withProblems(entries, problems);
}

/**
 * A socket's name as unix_seq_show() prints it in /proc/net/unix, from its sun_path bytes as
 * sock_diag's UNIX_DIAG_NAME gives them: a path loses its terminating NUL, an abstract name's
 * leading NUL becomes "@", and so does every NUL after it.
 * unixNameAsPrinted(Uint8Array.of(0, 0x61, 0, 0x62)) → the bytes of "@a@b"
 */
export function unixNameAsPrinted(sunPath: Uint8Array): Uint8Array {
  const abstract = sunPath[0] === 0;
  const printed = Uint8Array.from(abstract ? sunPath : sunPath.subarray(0, Math.max(0, sunPath.length - 1)));
  for (let i = 0; i < printed.length; i++) if (printed[i] === 0) printed[i] = 0x40;
  return printed;
}
