/**
 * The write journal: one JSON object per line, appended before each write to a live process's
 * memory, so `undo` can put the old bytes back. The first line names the process (pid + start
 * time ticks): a journal never applies to another process that got the same PID.
 *
 *   {"procscopeJournal":1,"pid":42,"startTimeTicks":1234,"comm":"demo","created":"2026-…"}
 *   {"op":"write","seq":1,"time":"…","address":"0x5581…","old":"68656c6c6f","new":"48454c4c4f","region":"[heap]"}
 *   {"op":"abort","seq":1,"reason":"…"}      the write failed: nothing to undo
 *   {"op":"undo","seq":1,"time":"…","forced":false}
 *
 * Entries are written ahead of the write (a crash mid-write still leaves the old bytes on disk),
 * each line with one write(2) and an fsync. The file is created 0600 in a 0700 directory: it holds
 * bytes of another process's memory, which may be secrets.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AccessDenied, Conflict, errnoCode, InvalidArgument, NotFound, ParseError } from "../errors.js";

export const JOURNAL_VERSION = 1;

/** Who the journal belongs to. */
export interface JournalHeader {
  readonly procscopeJournal: number;
  readonly pid: number;
  readonly startTimeTicks: number;
  readonly comm: string;
  readonly created: string;
}

export interface JournalWrite {
  readonly op: "write";
  readonly seq: number;
  readonly time: string;
  readonly address: bigint;
  readonly old: Buffer;
  readonly new: Buffer;
  readonly region: string;
}

export interface JournalAbort {
  readonly op: "abort";
  readonly seq: number;
  readonly reason: string;
}

export interface JournalUndo {
  readonly op: "undo";
  readonly seq: number;
  readonly time: string;
  readonly forced: boolean;
}

export type JournalRecord = JournalWrite | JournalAbort | JournalUndo;

/** A write as `undo` sees it: the record and what happened to it since. */
export interface JournalEntry extends JournalWrite {
  /** The write failed and was recorded as aborted: there is nothing to undo. */
  readonly aborted: boolean;
  /** An earlier `undo` already restored it. */
  readonly undone: boolean;
}

export interface JournalContents {
  readonly path: string;
  readonly header: JournalHeader;
  /** Writes in the order they were made. */
  readonly entries: readonly JournalEntry[];
  /** A last line cut short (a crash while appending) that was ignored. */
  readonly truncatedTail: boolean;
}

/**
 * Default journal location: $XDG_STATE_HOME/procscope (else ~/.local/state/procscope), one file
 * per process identity. defaultJournalPath({ HOME: "/root" }, 42, 1234)
 * === "/root/.local/state/procscope/journal-42-1234.jsonl"
 */
export function defaultJournalPath(env: Readonly<Record<string, string | undefined>>, pid: number, startTimeTicks: number): string {
  const stateHome =
    env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME)
      ? env.XDG_STATE_HOME
      : path.join(env.HOME && path.isAbsolute(env.HOME) ? env.HOME : os.homedir(), ".local", "state");
  return path.join(stateHome, "procscope", `journal-${pid}-${startTimeTicks}.jsonl`);
}

function encodeRecord(record: JournalRecord | JournalHeader): string {
  if ("op" in record && record.op === "write") {
    return `${JSON.stringify({
      op: "write",
      seq: record.seq,
      time: record.time,
      address: `0x${record.address.toString(16)}`,
      old: record.old.toString("hex"),
      new: record.new.toString("hex"),
      region: record.region,
    })}\n`;
  }
  return `${JSON.stringify(record)}\n`;
}

/** An open journal that records appends for one process. */
export interface JournalWriter {
  readonly path: string;
  readonly header: JournalHeader;
  /** Sequence number for the next write record. */
  nextSeq(): number;
  append(record: JournalRecord): void;
  close(): void;
}

/**
 * Opens (or creates) the journal at `file` for the process `identity`. An existing journal must
 * belong to the same pid and start time, else Conflict.
 * const journal = openJournal("/tmp/j.jsonl", { pid: 42, startTimeTicks: 1234, comm: "demo" })
 */
export function openJournal(file: string, identity: { pid: number; startTimeTicks: number; comm: string }): JournalWriter {
  const absolute = path.resolve(file);
  let header: JournalHeader;
  let seq = 0;
  let existing: JournalContents | undefined;
  try {
    existing = readJournal(absolute);
  } catch (error) {
    // Where it cannot even look (another user's home), what it was about to do is create one.
    if (error instanceof AccessDenied) throw deniedJournal(error.cause, absolute, "create") ?? error;
    if (!(error instanceof NotFound)) throw error;
  }
  if (existing) {
    header = existing.header;
    if (header.pid !== identity.pid || header.startTimeTicks !== identity.startTimeTicks)
      throw new Conflict(
        `journal "${absolute}" belongs to process ${header.pid} started at tick ${header.startTimeTicks}, not to process ${identity.pid} started at tick ${identity.startTimeTicks}`,
        { path: absolute },
      );
    if (existing.truncatedTail)
      throw new Conflict(`journal "${absolute}" ends with a cut-off line; move it aside before writing more`, { path: absolute });
    for (const entry of existing.entries) seq = Math.max(seq, entry.seq);
  } else {
    header = {
      procscopeJournal: JOURNAL_VERSION,
      pid: identity.pid,
      startTimeTicks: identity.startTimeTicks,
      comm: identity.comm,
      created: new Date().toISOString(),
    };
  }
  let fd: number;
  try {
    fs.mkdirSync(path.dirname(absolute), { recursive: true, mode: 0o700 });
    fd = fs.openSync(absolute, existing ? "a" : "wx", 0o600);
  } catch (error) {
    throw (
      deniedJournal(error, absolute, existing ? "write" : "create") ??
      new InvalidArgument(`cannot open journal "${absolute}": ${errnoCode(error) ?? String(error)}`, { path: absolute, cause: error })
    );
  }
  const writeLine = (line: string): void => {
    fs.writeSync(fd, line);
    fs.fsyncSync(fd);
  };
  if (!existing) writeLine(encodeRecord(header));
  return {
    path: absolute,
    header,
    nextSeq: () => seq + 1,
    append(record) {
      if (record.op === "write") seq = Math.max(seq, record.seq);
      writeLine(encodeRecord(record));
    },
    close() {
      if (fd >= 0) {
        fs.closeSync(fd);
        fd = -1;
      }
    },
  };
}

const HEX = /^(?:[0-9a-f]{2})*$/;

function field<T>(object: Record<string, unknown>, key: string, check: (v: unknown) => v is T, line: number, text: string): T {
  const value = object[key];
  if (!check(value)) throw new ParseError(`expected a valid "${key}"`, text, line);
  return value;
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isString = (v: unknown): v is string => typeof v === "string";
const isHex = (v: unknown): v is string => typeof v === "string" && HEX.test(v);
const isAddress = (v: unknown): v is string => typeof v === "string" && /^0x[0-9a-f]{1,16}$/.test(v);

/**
 * Parses journal text (pure). parseJournal(text).entries[0].address === 0x5581…n
 */
export function parseJournal(text: string): Omit<JournalContents, "path"> {
  const lines = text.split("\n");
  let truncatedTail = false;
  if (lines[lines.length - 1] === "") lines.pop();
  else if (lines.length > 1) {
    // The last append was cut short: its line has no newline. Everything before it stands.
    lines.pop();
    truncatedTail = true;
  }
  const parsed = lines.map((line, i) => {
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
      return value as Record<string, unknown>;
    } catch {
      throw new ParseError("expected one JSON object per line", line, i + 1);
    }
  });
  const first = parsed[0];
  if (first === undefined || first.procscopeJournal === undefined)
    throw new ParseError("expected a procscope journal header", lines[0] ?? "", 1);
  if (first.procscopeJournal !== JOURNAL_VERSION)
    throw new ParseError(`unsupported journal version (this procscope reads version ${JOURNAL_VERSION})`, lines[0] ?? "", 1);
  const header: JournalHeader = {
    procscopeJournal: JOURNAL_VERSION,
    pid: field(first, "pid", isInt, 1, lines[0] ?? ""),
    startTimeTicks: field(first, "startTimeTicks", isInt, 1, lines[0] ?? ""),
    comm: field(first, "comm", isString, 1, lines[0] ?? ""),
    created: field(first, "created", isString, 1, lines[0] ?? ""),
  };
  const writes = new Map<number, { record: JournalWrite; aborted: boolean; undone: boolean }>();
  for (let i = 1; i < parsed.length; i++) {
    const object = parsed[i] as Record<string, unknown>;
    const text = lines[i] as string;
    const line = i + 1;
    const seq = field(object, "seq", isInt, line, text);
    switch (object.op) {
      case "write": {
        const old = Buffer.from(field(object, "old", isHex, line, text), "hex");
        const written = Buffer.from(field(object, "new", isHex, line, text), "hex");
        if (old.length !== written.length || old.length === 0)
          throw new ParseError("old and new must be the same non-zero length", text, line);
        if (writes.has(seq)) throw new ParseError(`write ${seq} appears twice`, text, line);
        writes.set(seq, {
          record: {
            op: "write",
            seq,
            time: field(object, "time", isString, line, text),
            address: BigInt(field(object, "address", isAddress, line, text)),
            old,
            new: written,
            region: field(object, "region", isString, line, text),
          },
          aborted: false,
          undone: false,
        });
        break;
      }
      case "abort":
      case "undo": {
        const target = writes.get(seq);
        if (!target) throw new ParseError(`${object.op} of unknown write ${seq}`, text, line);
        if (object.op === "abort") target.aborted = true;
        else target.undone = true;
        break;
      }
      default:
        throw new ParseError('expected "op" to be write, abort or undo', text, line);
    }
  }
  const entries = [...writes.values()].map(({ record, aborted, undone }) => ({ ...record, aborted, undone }));
  return { header, entries, truncatedTail };
}

/**
 * AccessDenied (option "journal": where the journal goes is the caller's choice) when `error` says
 * this user may not create, write or read the journal there (non-root and a home directory that
 * is not theirs, a read-only file system); null for any other error.
 */
function deniedJournal(error: unknown, absolute: string, action: "create" | "write" | "read"): AccessDenied | null {
  const code = errnoCode(error);
  if (code !== "EACCES" && code !== "EPERM" && code !== "EROFS") return null;
  const reason =
    code === "EROFS"
      ? "a read-only file system"
      : `not ${action === "read" ? "readable" : "writable"} by uid ${process.geteuid?.() ?? "?"}`;
  return new AccessDenied(absolute, reason, error, { action, what: `journal "${absolute}"`, option: "journal" });
}

/** Reads and parses a journal file; NotFound if it does not exist. */
export function readJournal(file: string): JournalContents {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(absolute, "utf8");
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT") throw new NotFound(`journal "${absolute}" does not exist`, { path: absolute, cause: error });
    if (code === "EISDIR") throw new InvalidArgument(`journal "${absolute}" is a directory`, { path: absolute, cause: error });
    const denied = deniedJournal(error, absolute, "read");
    if (denied) throw denied;
    throw new InvalidArgument(`cannot read journal "${absolute}": ${code ?? String(error)}`, { path: absolute, cause: error });
  }
  try {
    return { path: absolute, ...parseJournal(text) };
  } catch (error) {
    if (error instanceof ParseError) throw error.withPath(absolute);
    throw error;
  }
}
