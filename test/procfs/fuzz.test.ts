/**
 * Every parser in src/procfs/, fuzzed: random text and mutated real /proc text (from the fixture
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
import { problemsOf } from "../../src/procfs/_lines.js";
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
  const started = performance.now();
  let result: unknown;
  try {
    result = call(name, input);
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
        },
      ),
      { numRuns: 25, seed: 14 },
    );
  });
});
