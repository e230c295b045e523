/**
 * Every parser in src/procfs/, and the /proc text parsers living elsewhere (module extents, maps
 * with byte twins, the streaming smaps parser, the native fdinfo head reader, fd link texts), fuzzed: random text and mutated real /proc text (from the fixture
 * tree and from this machine's /proc) never makes a parser throw anything but a ParseError, never
 * takes long, and a table parser keeps every line it can parse when one line is spoiled.
 * Parsers are found by walking the modules' `parse*` exports, so a new parser is fuzzed at once
 * (and fails here until it has a sample below).
 */
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ParseError } from "../../src/errors.js";
import { FdTableCursor } from "../../src/files/fd-tables.js";
import { classifyTarget } from "../../src/files/fds.js";
import { parseModuleExtents } from "../../src/kernel/kallsyms.js";
import { parseMapsWithTwins } from "../../src/memory/maps.js";
import { problemsOf } from "../../src/procfs/_lines.js";
import { parsePidFdinfo } from "../../src/procfs/pid/fdinfo.js";
import { createSmapsParser, parsePidSmaps, type SmapsRegion } from "../../src/procfs/pid/smaps.js";
import { FIXTURE_PROC } from "../helpers/fixtures.js";

type Parser = (input: never) => unknown;

const SRC = path.resolve("src/procfs");
const modules = fs
  .readdirSync(SRC, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".ts") && !path.basename(f).startsWith("_"))
  .sort();

const parsers = new Map<string, Parser>();
for (const file of modules) {
  const exports = (await import(path.join(SRC, file))) as Record<string, unknown>;
  for (const [name, value] of Object.entries(exports))
    if (/^parse[A-Z]/.test(name) && typeof value === "function") parsers.set(name, value as Parser);
}

/** Parsers that take the file's bytes (binary or NUL-separated files). */
const BYTES = new Set(["parseKallsyms", "parseCmdline", "parseEnviron", "parseAuxv"]);
/** Extra arguments some parsers take. */
const CALL: Record<string, (parse: Parser, input: string | Uint8Array) => unknown> = {
  parseNetInet: (parse, input) => (parse as unknown as (t: string, f: string) => unknown)(input as string, "inet"),
};

function read(file: string, limitLines?: number): string | null {
  try {
    const text = fs.readFileSync(file, "latin1");
    if (limitLines === undefined) return text;
    return `${text.split("\n").slice(0, limitLines).join("\n")}\n`;
  } catch {
    return null;
  }
}

const FX = (name: string) => path.join(FIXTURE_PROC, name);
const FXPID = (name: string) => path.join(FIXTURE_PROC, "11024", name);
const LIVE = (name: string) => path.join("/proc", name);

/** Real text for each parser: fixture files, and the same files of this machine when readable. */
const SOURCES: Record<string, readonly string[]> = {
  parseDma: [FX("dma"), LIVE("dma")],
  parseDevices: [FX("devices"), LIVE("devices")],
  parseCpuinfo: [FX("cpuinfo")],
  parseSwaps: [FX("swaps"), LIVE("swaps")],
  parseEtcGroup: ["/etc/group"],
  parseEtcPasswd: ["/etc/passwd"],
  parseId: [],
  parseNetUdp: [FX("net/udp"), LIVE("net/udp")],
  parseNetUdp6: [FX("net/udp6"), LIVE("net/udp6")],
  parseNetInet: [FX("net/tcp"), LIVE("net/tcp")],
  parseNetTcp: [FX("net/tcp"), LIVE("net/tcp")],
  parseNetTcp6: [FX("net/tcp6"), LIVE("net/tcp6")],
  parseNetRaw: [FX("net/raw"), LIVE("net/raw")],
  parseNetRaw6: [FX("net/raw6"), LIVE("net/raw6")],
  parseNetUnix: [FX("net/unix"), LIVE("net/unix")],
  parseNetPacket: [FX("net/packet"), LIVE("net/packet")],
  parseMounts: [FX("mounts"), LIVE("mounts")],
  parsePartitions: [FX("partitions"), LIVE("partitions")],
  parseZoneinfo: [FX("zoneinfo")],
  parseUptime: [FX("uptime")],
  parseDiskstats: [FX("diskstats"), LIVE("diskstats")],
  parsePidLimits: [FXPID("limits"), LIVE("self/limits")],
  parseAuxv: [FXPID("auxv"), LIVE("self/auxv")],
  parseMapsLine: [],
  parsePidMaps: [FXPID("maps"), LIVE("self/maps")],
  parseCmdline: [FXPID("cmdline"), LIVE("self/cmdline")],
  parseEnviron: [FXPID("environ"), LIVE("self/environ")],
  parsePidIo: [FXPID("io"), LIVE("self/io")],
  parsePidOomScore: [FXPID("oom_score")],
  parsePidOomScoreAdj: [FXPID("oom_score_adj")],
  parsePidPersonality: [FXPID("personality"), LIVE("self/personality")],
  parsePidLoginuid: [FXPID("loginuid")],
  parsePidWchan: [FXPID("wchan")],
  parseComm: [FXPID("comm")],
  parseKeyValueLines: [FXPID("status"), LIVE("self/status")],
  parsePidStatus: [FXPID("status"), LIVE("self/status")],
  parsePidStatusBrief: [FXPID("status"), LIVE("self/status")],
  parsePidSyscall: [FXPID("syscall"), LIVE("self/syscall")],
  parsePidStat: [FXPID("stat"), LIVE("self/stat")],
  parsePidStatIdentity: [FXPID("stat"), LIVE("self/stat")],
  parseNsLink: [],
  parsePidFdinfo: [FXPID("fdinfo/0"), LIVE("self/fdinfo/0")],
  parsePidSmaps: [LIVE("self/smaps")],
  parsePidStatm: [FXPID("statm"), LIVE("self/statm")],
  parsePidSched: [FXPID("sched"), LIVE("self/sched")],
  parsePidCgroup: [FXPID("cgroup"), LIVE("self/cgroup")],
  parsePidMountinfo: [FXPID("mountinfo"), LIVE("self/mountinfo")],
  parsePidStack: [FXPID("stack"), LIVE("1/stack")],
  parseSystemStat: [FX("stat"), LIVE("stat")],
  parseVersion: [FX("version"), LIVE("version")],
  parseKallsyms: [LIVE("kallsyms")],
  parseLoadavg: [FX("loadavg"), LIVE("loadavg")],
  parseFilesystems: [FX("filesystems"), LIVE("filesystems")],
  parseMeminfo: [FX("meminfo"), LIVE("meminfo")],
  parseVmstat: [FX("vmstat"), LIVE("vmstat")],
};
/** Short samples written here, for parsers of one value or one line. */
const INLINE: Record<string, readonly string[]> = {
  // The fixture's tcp has one socket and this machine's may too: a table needs rows to spoil.
  parseNetTcp: [
    [
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
      "   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 626 1 00000000da0647ac 100 0 0 10 0",
      "   1: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 627 1 00000000da0647ad 100 0 0 10 0",
      "   2: 0100007F:9C40 0100007F:0CEA 01 00000000:00000000 00:00000000 00000000  1000        0 628 1 00000000da0647ae 20 4 30 10 -1",
      "",
    ].join("\n"),
  ],
  parseId: ["1000", "0", "4294967294"],
  parseNsLink: ["net:[4026531840]", "pid:[4026531836]"],
  parseMapsLine: [
    "55d0a000-55d0c000 r--p 00000000 fe:00 260131                     /usr/bin/cat",
    "7ffd0000-7ffd1000 rw-p 00000000 00:00 0 [stack]",
  ],
};

function samples(name: string): string[] {
  const texts = [...(INLINE[name] ?? [])];
  for (const file of SOURCES[name] ?? []) {
    // kallsyms (~5 MiB) and a node process's smaps (~250 KiB): their first lines are enough to mutate.
    const text = read(file, name === "parseKallsyms" || name === "parsePidSmaps" ? 600 : undefined);
    if (text !== null && text !== "") texts.push(text);
  }
  return texts;
}

function call(name: string, input: string): unknown {
  const parse = parsers.get(name) as Parser;
  const arg = BYTES.has(name) ? Buffer.from(input, "latin1") : input;
  return CALL[name] ? (CALL[name] as (p: Parser, i: string | Uint8Array) => unknown)(parse, arg) : parse(arg as never);
}

/** Slower than this for one input (inputs are under 100 KiB) is a hang in the making: quadratic loops, catastrophic regexes. Generous: CI machines are shared. */
const CASE_MS = 1500;

/** Runs a parser on `input`: returns its result, or undefined after a ParseError; fails on anything else. */
function parseOrParseError(name: string, input: string): unknown {
  return guarded(name, input, () => call(name, input));
}

/** Runs `parse` for the parser `name`: its result, or undefined after a ParseError; fails on anything else or on a slow run. */
function guarded(name: string, input: string, parse: () => unknown): unknown {
  const started = performance.now();
  let result: unknown;
  try {
    result = parse();
  } catch (error) {
    if (!(error instanceof ParseError)) {
      throw new Error(`${name} threw ${String(error)} on ${JSON.stringify(input.slice(0, 200))}`, { cause: error });
    }
  }
  const ms = performance.now() - started;
  if (ms > CASE_MS) throw new Error(`${name} took ${ms.toFixed(0)} ms on ${input.length} characters`);
  return result;
}

/** Text that looks like /proc: lines of tokens drawn from the characters /proc files use, and worse. */
const procLikeText = fc
  .array(
    fc
      .array(
        fc.oneof(
          fc.stringMatching(/^[0-9a-fA-F]{1,20}$/),
          fc.constantFrom(
            ":",
            " ",
            "\t",
            "-",
            "kB",
            "(",
            ")",
            "[",
            "]",
            "\\012",
            "\\",
            "@",
            "0x",
            "/",
            "(deleted)",
            " - ",
            "\u00ff",
            "\u0000",
          ),
          fc.string({ maxLength: 8 }),
        ),
        { maxLength: 12 },
      )
      .map((tokens) => tokens.join("")),
    { maxLength: 12 },
  )
  .chain((lines) => fc.boolean().map((newline) => lines.join("\n") + (newline ? "\n" : "")));

interface Mutation {
  readonly kind: "delete" | "insert" | "replaceLine" | "truncate" | "duplicateLine" | "swapLines";
  readonly at: number;
  readonly other: number;
  readonly text: string;
}

const mutation = fc.record({
  kind: fc.constantFrom("delete", "insert", "replaceLine", "truncate", "duplicateLine", "swapLines"),
  at: fc.nat(),
  other: fc.nat(),
  text: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("\n", " ", ":", "\u00ff", "999999999999999999999999", "-1", "")),
}) as fc.Arbitrary<Mutation>;

function mutate(text: string, m: Mutation): string {
  const lines = text.split("\n");
  const li = m.at % lines.length;
  const lj = m.other % lines.length;
  switch (m.kind) {
    case "delete": {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + text.slice(at + 1 + (m.other % 8));
    }
    case "insert": {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case "replaceLine":
      lines[li] = m.text;
      return lines.join("\n");
    case "truncate":
      return text.slice(0, m.at % (text.length + 1));
    case "duplicateLine":
      lines.splice(li, 0, lines[li] as string);
      return lines.join("\n");
    case "swapLines": {
      const a = lines[li] as string;
      lines[li] = lines[lj] as string;
      lines[lj] = a;
      return lines.join("\n");
    }
  }
}

function rowCount(result: unknown): number {
  if (Array.isArray(result)) return result.length;
  if (result instanceof Map) return result.size;
  if (result !== null && typeof result === "object" && "count" in result) return Number((result as { count: number }).count);
  return 0;
}

const names = [...parsers.keys()].sort();

describe("every src/procfs parser, fuzzed", () => {
  it("has real sample text for every parse* export", () => {
    const without = names.filter((name) => samples(name).length === 0);
    expect(without).toEqual([]);
    expect(names.length).toBeGreaterThan(40);
  });

  it.each(names)("%s throws only ParseError on random /proc-like text, quickly", (name) => {
    fc.assert(
      fc.property(procLikeText, (text) => {
        parseOrParseError(name, text);
      }),
      { numRuns: 40, seed: 14 },
    );
  });

  it.each(names)("%s throws only ParseError on mutated real text, quickly", (name) => {
    const texts = samples(name);
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.array(mutation, { minLength: 1, maxLength: 3 }), (text, mutations) => {
        parseOrParseError(
          name,
          mutations.reduce((t, m) => mutate(t, m), text),
        );
      }),
      { numRuns: 40, seed: 14 },
    );
  });

  // Table parsers: those whose result says which lines it skipped.
  const tables = names.filter((name) =>
    samples(name).some((text) => {
      const result = parseOrParseError(name, text);
      return result !== undefined && rowCount(result) > 1 && problemsOf(result) !== undefined && "problems" in (result as object);
    }),
  );

  it("finds the table parsers", () => {
    expect(tables).toEqual(
      expect.arrayContaining(["parseNetUnix", "parseNetTcp", "parseMounts", "parsePidMaps", "parseKallsyms", "parsePidMountinfo"]),
    );
  });

  it.each(tables)("%s keeps every other row when one line is spoiled", (name) => {
    const texts = samples(name).filter((text) => rowCount(parseOrParseError(name, text)) > 1);
    fc.assert(
      fc.property(
        fc.constantFrom(...texts),
        fc.nat(),
        fc.constantFrom("\u0001garbage", "", "x y z", ":::", "ffffffff zz"),
        (text, at, garbage) => {
          const original = call(name, text);
          const lines = text.split("\n");
          // Line 0 may be a header (a spoiled header is a different format: ParseError is right).
          const index = 1 + (at % Math.max(1, lines.length - 2));
          lines[index] = garbage;
          const spoiled = parseOrParseError(name, lines.join("\n"));
          expect(spoiled).not.toBeUndefined();
          // One spoiled line costs at most its own row (for smaps, its block).
          expect(rowCount(spoiled)).toBeGreaterThanOrEqual(rowCount(original) - 1);
          // A row lost is a line reported: never dropped without a word. Not for net/unix read
          // without the kernel's names: a line after a named socket may be the rest of its name
          // (the callers say names were not checked).
          if (rowCount(spoiled) < rowCount(original) && name !== "parseNetUnix")
            expect(problemsOf(spoiled).length).toBeGreaterThan(problemsOf(original).length);
        },
      ),
      { numRuns: 25, seed: 14 },
    );
  });
});

/** One fd record of the native helper's layout (native/procscope.c) holding only `fdinfo`, and a cursor on it. */
function fdinfoCursor(fdinfo: Buffer): FdTableCursor {
  const link = Buffer.from("/dev/null", "latin1");
  const record = Buffer.alloc(4 + 4 + link.length + 1 + 4 + fdinfo.length);
  let at = record.writeUInt32LE(3, 0);
  at = record.writeUInt32LE((link.length | 0x80000000) >>> 0, at);
  at += link.copy(record, at);
  at = record.writeUInt8(4, at);
  // The helper sets the ASCII bit only when every byte is ASCII.
  at = record.writeUInt32LE((fdinfo.length | (fdinfo.every((b) => b < 0x80) ? 0x80000000 : 0)) >>> 0, at);
  fdinfo.copy(record, at);
  const cursor = new FdTableCursor(record, new DataView(record.buffer, record.byteOffset, record.byteLength), 0, 1);
  cursor.next();
  return cursor;
}

/** The fdinfo head as the native fast path reads it, checked against parsePidFdinfo on the same text. */
function fdinfoHead(text: string): unknown {
  const head = { pos: -1, flags: -1, mntId: -1, ino: null as number | null };
  if (!fdinfoCursor(Buffer.from(text, "latin1")).fdinfoHead(head)) return null;
  // Taken only when it is the whole text: the slow path must then read the same numbers.
  const parsed = parsePidFdinfo(text);
  expect(head).toEqual({ pos: parsed.pos, flags: parsed.flags, mntId: parsed.mntId, ino: parsed.ino });
  return head;
}

/** The streaming smaps parser fed in pieces cut at `cuts`: the same regions and problems as parsePidSmaps on the whole text. */
function smapsInPieces(text: string, cuts: readonly number[] = [7, 1, 4096, 13]): unknown {
  const regions: SmapsRegion[] = [];
  const parser = createSmapsParser((region) => regions.push(region));
  let at = 0;
  for (let i = 0; at < text.length; i++) {
    const size = Math.max(1, cuts[i % cuts.length] as number);
    parser.feed(text.slice(at, at + size));
    at += size;
  }
  const problems = parser.end();
  const whole = parsePidSmaps(text);
  expect(regions.map((r) => [r.start, r.usage.rssBytes])).toEqual(whole.map((r) => [r.start, r.usage.rssBytes]));
  expect(problems).toEqual(problemsOf(whole));
  return regions;
}

interface OtherParser {
  readonly run: (input: string, cuts?: readonly number[]) => unknown;
  readonly sources: readonly string[];
  readonly inline?: readonly string[];
  /** One record per line: a spoiled line costs at most its own record. */
  readonly table?: boolean;
}

/** /proc text parsers outside src/procfs (not found by walking it). */
const OTHERS: Record<string, OtherParser> = {
  parseModuleExtents: {
    run: (text) => parseModuleExtents(text),
    sources: [LIVE("modules")],
    inline: [
      "nf_tables 376832 0 - Live 0xffffffffc0a00000\nvirtio_net 73728 0 - Live 0xffffffffc0940000\next4 1089536 1 - Live 0xffffffffc0800000\nnet_failover 20480 1 virtio_net, Live 0xffffffffc0930000\n",
    ],
    table: true,
  },
  parseMapsWithTwins: {
    run: (text) => parseMapsWithTwins(Buffer.from(text, "latin1")),
    sources: [FXPID("maps"), LIVE("self/maps")],
    inline: [
      "55d0a000-55d0c000 r--p 00000000 fe:00 260131 /tmp/caf\u00e9 \u00ff (deleted)\n7ffd0000-7ffd1000 rw-p 00000000 00:00 0 [stack]\n",
    ],
    table: true,
  },
  createSmapsParser: { run: smapsInPieces, sources: [LIVE("self/smaps")] },
  fdinfoHead: {
    run: fdinfoHead,
    sources: [FXPID("fdinfo/0"), LIVE("self/fdinfo/0")],
    inline: ["pos:\t0\nflags:\t02100002\nmnt_id:\t25\nino:\t5\n", "pos:\t12\nflags:\t0100000\nmnt_id:\t16\n"],
  },
  classifyTarget: {
    run: (text) => classifyTarget(text),
    sources: [],
    inline: ["pipe:[42]", "socket:[1234]", "anon_inode:[eventfd]", "/tmp/x (deleted)", "/memfd:a (deleted)", "net:[4026531840]"],
  },
};

function otherSamples(name: string): string[] {
  const other = OTHERS[name] as OtherParser;
  const texts = [...(other.inline ?? [])];
  for (const file of other.sources) {
    const text = read(file, name === "createSmapsParser" ? 600 : undefined);
    if (text !== null && text !== "") texts.push(text);
  }
  return texts;
}

function runOther(name: string, input: string, cuts?: readonly number[]): unknown {
  return guarded(name, input, () => (OTHERS[name] as OtherParser).run(input, cuts));
}

const otherNames = Object.keys(OTHERS).sort();
const pieceCuts = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 6 });

describe("/proc text parsers outside src/procfs, fuzzed", () => {
  it.each(otherNames)("%s has real sample text", (name) => {
    expect(otherSamples(name).length).toBeGreaterThan(0);
  });

  it.each(otherNames)("%s throws only ParseError on random /proc-like text, quickly", (name) => {
    fc.assert(
      fc.property(procLikeText, pieceCuts, (text, cuts) => {
        runOther(name, text, cuts);
      }),
      { numRuns: 60, seed: 14 },
    );
  });

  it.each(otherNames)("%s throws only ParseError on mutated real text, quickly", (name) => {
    fc.assert(
      fc.property(
        fc.constantFrom(...otherSamples(name)),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        pieceCuts,
        (text, mutations, cuts) => {
          runOther(
            name,
            mutations.reduce((t, m) => mutate(t, m), text),
            cuts,
          );
        },
      ),
      { numRuns: 60, seed: 14 },
    );
  });

  const otherTables = otherNames.filter((name) => OTHERS[name]?.table);
  it.each(otherTables)("%s keeps every other row when one line is spoiled", (name) => {
    const texts = otherSamples(name).filter((text) => rowCount(runOther(name, text)) > 1);
    expect(texts.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(
        fc.constantFrom(...texts),
        fc.nat(),
        fc.constantFrom("\u0001garbage", "", "x y z", ":::", "ffffffff zz", "\u00ff\u00fe"),
        (text, at, garbage) => {
          const original = runOther(name, text);
          const lines = text.split("\n");
          lines[at % Math.max(1, lines.length - 1)] = garbage;
          const spoiled = runOther(name, lines.join("\n"));
          expect(spoiled).not.toBeUndefined();
          expect(rowCount(spoiled)).toBeGreaterThanOrEqual(rowCount(original) - 1);
          // A row lost is a line reported: never dropped without a word.
          if (rowCount(spoiled) < rowCount(original)) expect(problemsOf(spoiled).length).toBeGreaterThan(problemsOf(original).length);
        },
      ),
      { numRuns: 25, seed: 14 },
    );
  });
});
