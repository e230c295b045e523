import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { decodeTtyNr, parsePidStat, parsePidStatIdentity } from "../../../src/procfs/pid/stat.js";
import { FIXTURE_PROC } from "../../helpers/fixtures.js";

// Captured from this machine's /proc/1/stat (kernel 6.18).
const INIT =
  "1 (process_api) S 0 0 0 0 -1 4194560 24829 252020 0 137 36 181 788 685 10 -10 13 0 24 38371328 2353 18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
describe("parsePidStat()", () => {
  it("reads the fields of a real line", () => {
    const stat = parsePidStat(INIT);
    expect(stat.pid).toBe(1);
    expect(stat.comm).toBe("process_api");
    expect(stat.state).toBe("S");
    expect(stat.ppid).toBe(0);
    expect(stat.utimeTicks).toBe(36);
    expect(stat.startTimeTicks).toBe(24);
    expect(stat.vsizeBytes).toBe(38371328);
    expect(stat.rssPages).toBe(2353);
    expect(stat.rsslimBytes).toBe(2n ** 64n - 1n);
    expect(stat.processor).toBe(0);
    expect(stat.exitCode).toBe(0);
    expect(stat.pendingSignals).toBe(0);
    // Field 31, with SIGKILL (9) pending: bit 8.
    const killed = INIT.trim().split(" ");
    killed[30] = "256";
    expect(parsePidStat(killed.join(" ")).pendingSignals).toBe(1 << 8);
  });

  it('keeps ") (" inside comm', () => {
    const stat = parsePidStat(INIT.replace("(process_api)", "(a) (b)"));
    expect(stat.comm).toBe("a) (b");
    expect(stat.state).toBe("S");
    expect(stat.ppid).toBe(0);
  });

  it("keeps spaces, newlines and parentheses in comm", () => {
    expect(parsePidStat(INIT.replace("(process_api)", "((a b ) ( c d) )")).comm).toBe("(a b ) ( c d) ");
    expect(parsePidStat(INIT.replace("(process_api)", "(x\ny)")).comm).toBe("x\ny");
  });

  it("reports fields added by later kernels as null on an older kernel", () => {
    const fields = INIT.trim().split(" ");
    const old = parsePidStat(fields.slice(0, 44).join(" "));
    expect(old.guestTimeTicks).toBe(0);
    expect(old.startBrk).toBeNull();
    expect(old.exitCode).toBeNull();
  });

  it("rejects truncated input instead of returning wrong values", () => {
    expect(() => parsePidStat("1 (process_api) S 0 1 1")).toThrow(ParseError);
    expect(() => parsePidStat("")).toThrow(ParseError);
    expect(() => parsePidStat("1 systemd S 0")).toThrow(/PID \(comm\)/);
  });

  it("reads a zombie's state", () => {
    expect(parsePidStat(INIT.replace(") S ", ") Z ")).state).toBe("Z");
  });
});

describe("decodeTtyNr()", () => {
  it("splits major and minor", () => {
    expect(decodeTtyNr(34817)).toEqual({ major: 136, minor: 1 });
    expect(decodeTtyNr(0)).toBeNull();
  });
});

describe("parsePidStat() on odd files", () => {
  it("ignores text after the line (the peer fixture appends a second line)", () => {
    const stat = parsePidStat(`${INIT.trimEnd()}\n#!/bin/cat /proc/self/stat\n`);
    expect(stat.exitCode).toBe(0);
    expect(stat.comm).toBe("process_api");
  });
});

describe("parsePidStatIdentity()", () => {
  it("agrees with parsePidStat on comm and starttime for every process of the captured tree", () => {
    const root = FIXTURE_PROC;
    const lines = fs
      .readdirSync(root)
      .filter((name) => /^\d+$/.test(name))
      .map((name) => fs.readFileSync(path.join(root, name, "stat"), "utf8"));
    expect(lines.length).toBeGreaterThan(50);
    for (const line of [...lines, INIT.replace("(process_api)", "(a) (b 1 2 3)"), INIT.replace("(process_api)", "(x\ny)")]) {
      const full = parsePidStat(line);
      expect(parsePidStatIdentity(line)).toEqual({ comm: full.comm, startTimeTicks: full.startTimeTicks });
    }
  });

  it("rejects a line cut before starttime or with a bad starttime", () => {
    const fields = INIT.trim().split(" ");
    expect(() => parsePidStatIdentity(fields.slice(0, 20).join(" "))).toThrow(ParseError);
    expect(() =>
      parsePidStatIdentity(
        fields
          .slice(0, 21)
          .concat("x", ...fields.slice(22))
          .join(" "),
      ),
    ).toThrow(/starttime/);
    expect(() => parsePidStatIdentity("no comm here")).toThrow(ParseError);
  });
});
