import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Conflict, NotFound, ParseError } from "../../src/errors.js";
import { defaultJournalPath, openJournal, parseJournal, readJournal } from "../../src/memory/journal.js";

// Written by `procscope replace` against a live process on this machine (kernel 6.18).
const REAL = `{"procscopeJournal":1,"pid":13143,"startTimeTicks":96615,"comm":"demo","created":"2026-11-23T05:33:12.046Z"}
{"op":"write","seq":1,"time":"2026-11-23T05:33:12.065Z","address":"0x557fb2f402a0","old":"504c414e5445442d414c504841","new":"504c414e5445442d47414d4d41","region":"[heap]"}
{"op":"write","seq":2,"time":"2026-11-23T05:33:12.075Z","address":"0x557fb2f40340","old":"504c414e5445442d414c504841","new":"504c414e5445442d47414d4d41","region":"[heap]"}
`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-journal-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("parseJournal()", () => {
  it("reads the header and writes of a real journal", () => {
    const journal = parseJournal(REAL);
    expect(journal.header).toMatchObject({ pid: 13143, startTimeTicks: 96615, comm: "demo" });
    expect(journal.entries).toHaveLength(2);
    expect(journal.entries[0]?.address).toBe(0x557fb2f402a0n);
    expect(journal.entries[0]?.old.toString()).toBe("PLANTED-ALPHA");
    expect(journal.entries[0]?.new.toString()).toBe("PLANTED-GAMMA");
    expect(journal.entries.every((e) => !e.undone && !e.aborted)).toBe(true);
    expect(journal.truncatedTail).toBe(false);
  });

  it("marks writes that were undone or aborted", () => {
    const text = `${REAL}{"op":"undo","seq":2,"time":"2026-11-23T05:34:00.000Z","forced":false}\n{"op":"abort","seq":1,"reason":"EIO"}\n`;
    const journal = parseJournal(text);
    expect(journal.entries.map((e) => [e.seq, e.undone, e.aborted])).toEqual([
      [1, false, true],
      [2, true, false],
    ]);
  });

  it("ignores a last line cut short by a crash and says so", () => {
    const journal = parseJournal(`${REAL}{"op":"write","seq":3,"time":"2026`);
    expect(journal.entries).toHaveLength(2);
    expect(journal.truncatedTail).toBe(true);
  });

  it("rejects malformed journals with the line and an excerpt", () => {
    expect(() => parseJournal("not json\n")).toThrow(ParseError);
    expect(() => parseJournal('{"hello":1}\n')).toThrow(/journal header/);
    expect(() => parseJournal(REAL.replace('"procscopeJournal":1', '"procscopeJournal":9'))).toThrow(/unsupported journal version/);
    expect(() => parseJournal(REAL.replace('"old":"504c414e5445442d414c504841"', '"old":"50"'))).toThrow(/same non-zero length/);
    expect(() => parseJournal(REAL.replace('"address":"0x557fb2f402a0"', '"address":"heap"'))).toThrow(
      /line 2: expected a valid "address"/,
    );
    expect(() => parseJournal(`${REAL}{"op":"undo","seq":7,"time":"x","forced":false}\n`)).toThrow(/undo of unknown write 7/);
    expect(() => parseJournal(`${REAL}{"op":"erase","seq":1}\n`)).toThrow(/line 4/);
  });
});

describe("openJournal()", () => {
  it("creates a 0600 file in a new directory and appends records readJournal() reads back", () => {
    const file = path.join(tmp, "deep", "dir", "j.jsonl");
    const journal = openJournal(file, { pid: 42, startTimeTicks: 7, comm: "x" });
    const seq = journal.nextSeq();
    journal.append({ op: "write", seq, time: "t", address: 0x1000n, old: Buffer.from("ab"), new: Buffer.from("cd"), region: "[heap]" });
    journal.close();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const again = openJournal(file, { pid: 42, startTimeTicks: 7, comm: "x" });
    expect(again.nextSeq()).toBe(2);
    again.close();
    const read = readJournal(file);
    expect(read.entries[0]).toMatchObject({ seq: 1, address: 0x1000n, region: "[heap]" });
  });

  it("refuses to add to a journal of another process (same PID, other start time)", () => {
    const file = path.join(tmp, "other.jsonl");
    openJournal(file, { pid: 42, startTimeTicks: 7, comm: "x" }).close();
    expect(() => openJournal(file, { pid: 42, startTimeTicks: 8, comm: "x" })).toThrow(Conflict);
  });

  it("readJournal() says NotFound for a missing file", () => {
    expect(() => readJournal(path.join(tmp, "nope.jsonl"))).toThrow(NotFound);
  });
});

describe("defaultJournalPath()", () => {
  it("uses XDG_STATE_HOME, else HOME/.local/state", () => {
    expect(defaultJournalPath({ HOME: "/home/u" }, 42, 1234)).toBe("/home/u/.local/state/procscope/journal-42-1234.jsonl");
    expect(defaultJournalPath({ HOME: "/home/u", XDG_STATE_HOME: "/s" }, 42, 1234)).toBe("/s/procscope/journal-42-1234.jsonl");
    expect(defaultJournalPath({ HOME: "/home/u", XDG_STATE_HOME: "relative" }, 1, 2)).toBe(
      "/home/u/.local/state/procscope/journal-1-2.jsonl",
    );
  });
});
