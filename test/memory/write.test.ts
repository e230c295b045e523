import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { ProcessGone } from "../../src/errors.js";
import { readJournal } from "../../src/memory/journal.js";
import { replace, undo, writeMemory } from "../../src/memory/write.js";
import { runCli } from "../helpers/cli.js";
import { FIXTURE_PROC } from "../helpers/fixtures.js";
import { type LiveProcess, startProcess, unusedPid } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";
import { runAsNobody } from "../helpers/unprivileged.js";
import { waitUntil } from "../helpers/wait.js";

// Plants two strings on its heap and prints the first every 100 ms; also maps a read-write page
// followed by a read-only page (two adjacent mappings) and a shared anonymous page.
const DEMO = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
int main(void) {
  char *a = malloc(64), *b = malloc(64);
  strcpy(a, "PLANTED-ALPHA-1234");
  strcpy(b, "PLANTED-BRAVO-5678");
  char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  strcpy(pages + 4096, "READONLY-PAGE");
  mprotect(pages + 4096, 4096, PROT_READ);
  char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  strcpy(shared, "SHARED-PAGE");
  printf("ready a=%p b=%p rw=%p ro=%p shared=%p code=%p\n", (void *)a, (void *)b, (void *)pages, (void *)(pages + 4096),
         (void *)shared, (void *)main);
  fflush(stdout);
  for (;;) {
    printf("say:%s\n", a);
    fflush(stdout);
    usleep(100000);
  }
}
`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-write-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let journalCount = 0;
const journalPath = () => path.join(tmp, `journal-${++journalCount}.jsonl`);

interface Demo {
  readonly live: LiveProcess;
  readonly pid: string;
  readonly addresses: Record<string, string>;
}

async function startDemo(): Promise<Demo> {
  const binary = compileC("write-demo", DEMO);
  const live = await startProcess(binary, [], { ready: /ready .*\n/ });
  const line = /ready (.*)\n/.exec(live.output())?.[1] ?? "";
  const addresses = Object.fromEntries(line.split(" ").map((kv) => kv.split("=") as [string, string]));
  return { live, pid: String(live.pid), addresses };
}

/** Waits until the process prints `text` after position `from` of its output. */
async function printsAfter(live: LiveProcess, from: number, text: string): Promise<void> {
  await waitUntil(`the process to print ${JSON.stringify(text)}`, () => live.output().includes(text, from), { timeoutMs: 5000 }).catch(
    (error: Error) => {
      throw new Error(`${error.message}; last output ${JSON.stringify(live.output().slice(-100))}`);
    },
  );
}

function state(pid: string): string {
  return /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? "?";
}

describe("replace and undo (the full demo)", () => {
  it("replace() previews, writes, and undo() restores by compare-and-swap, skipping entries undone before", async () => {
    const demo = await startDemo();
    const journal = journalPath();

    // Find: both planted strings are there.
    const preview = await runCli(["replace", demo.pid, "PLANTED-", "PLANTED-", "--json", "--region", "heap"]);
    expect(preview.code).toBe(0);
    const planted = JSON.parse(preview.stdout) as { writes: { address: string; oldText: string }[] };
    expect(planted.writes.map((w) => w.address)).toEqual(expect.arrayContaining([demo.addresses.a, demo.addresses.b]));

    // Preview changes nothing.
    const dry = await runCli(["replace", demo.pid, "PLANTED-ALPHA", "PLANTED-GAMMA", "--journal", journal]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("preview only, nothing written");
    expect(dry.stdout).toContain(demo.addresses.a);
    expect(fs.existsSync(journal)).toBe(false);
    const mark = demo.live.output().length;
    await printsAfter(demo.live, mark, "say:PLANTED-ALPHA-1234");

    // --yes changes it, and the process prints the new text.
    const done = await runCli(["replace", demo.pid, "PLANTED-ALPHA", "PLANTED-GAMMA", "--yes", "--journal", journal]);
    expect(done.stderr).toBe("");
    expect(done.code).toBe(0);
    expect(done.stdout).toContain("written");
    expect(done.stdout).toContain(`journal: ${journal}`);
    const afterWrite = demo.live.output().length;
    await printsAfter(demo.live, afterWrite, "say:PLANTED-GAMMA-1234");
    // The other planted string was not touched.
    const bravo = Buffer.alloc(18);
    const fd = fs.openSync(`/proc/${demo.pid}/mem`, "r");
    fs.readSync(fd, bravo, 0, 18, BigInt(demo.addresses.b as string));
    fs.closeSync(fd);
    expect(bravo.toString("latin1")).toBe("PLANTED-BRAVO-5678");
    const recorded = readJournal(journal);
    expect(recorded.header.pid).toBe(demo.live.pid);
    expect(recorded.entries.some((e) => e.address === BigInt(demo.addresses.a as string) && e.old.toString() === "PLANTED-ALPHA")).toBe(
      true,
    );

    // Undo: it prints the old text again.
    const undone = await runCli(["undo", journal]);
    expect(undone.stderr).toBe("");
    expect(undone.code).toBe(0);
    expect(undone.stdout).toMatch(/restored \d+ of \d+/);
    const afterUndo = demo.live.output().length;
    await printsAfter(demo.live, afterUndo, "say:PLANTED-ALPHA-1234");

    // A second undo skips what was undone before: nothing written, nothing refused.
    const again = await runCli(["undo", journal, "--json"]);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    const result = JSON.parse(again.stdout) as { restored: number; entries: { status: string; reason: string }[] };
    expect(result.restored).toBe(0);
    expect(result.entries.every((e) => e.status === "skipped" && e.reason === "undone before")).toBe(true);

    // The journal used twice (replace, undo, replace, undo): the second undo restores the second
    // replace and skips the first one's entries, exit 0 (it used to refuse them all, exit 1).
    const twice = await runCli(["replace", demo.pid, "PLANTED-ALPHA", "PLANTED-DELTA", "--yes", "--journal", journal]);
    expect(twice.code).toBe(0);
    await printsAfter(demo.live, demo.live.output().length, "say:PLANTED-DELTA-1234");
    const second = await runCli(["undo", journal, "--json"]);
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    const secondResult = JSON.parse(second.stdout) as { restored: number; conflicts: number; entries: { status: string }[] };
    expect(secondResult.restored).toBeGreaterThan(0);
    expect(secondResult.conflicts).toBe(0);
    await printsAfter(demo.live, demo.live.output().length, "say:PLANTED-ALPHA-1234");
    expect(state(demo.pid)).not.toBe("T");
    await demo.live.kill();
  });

  it("undo() refuses an entry whose bytes were changed by someone else, and --force restores it", async () => {
    const demo = await startDemo();
    const journal = journalPath();
    const procFs = openProcFs();
    const address = BigInt(demo.addresses.b as string);
    await writeMemory(procFs, demo.live.pid, address, Buffer.from("PLANTED-XRAY"), { apply: true, journal });
    await writeMemory(procFs, demo.live.pid, address, Buffer.from("PLANTED-ZULU"), { apply: true, stop: false, journal: journalPath() });
    const refused = await undo(procFs, journal);
    expect(refused.conflicts).toBe(1);
    expect(refused.entries[0]?.reason).toBe("memory no longer holds what was written");
    expect(refused.entries[0]?.current?.toString()).toBe("PLANTED-ZULU");
    const forced = await undo(procFs, journal, { force: true });
    expect(forced.entries[0]?.status).toBe("forced");
    const bytes = Buffer.alloc(18);
    const fd = fs.openSync(`/proc/${demo.pid}/mem`, "r");
    fs.readSync(fd, bytes, 0, 18, address);
    fs.closeSync(fd);
    expect(bytes.toString("latin1")).toBe("PLANTED-BRAVO-5678");
    await demo.live.kill();
  });
});

describe("writeMemory() safety checks", () => {
  it("refuses a write that straddles two mappings", async () => {
    const demo = await startDemo();
    const boundary = BigInt(demo.addresses.ro as string);
    const address = `0x${(boundary - 2n).toString(16)}`;
    const result = await runCli(["write", demo.pid, address, "--text", "ABCD", "--yes", "--force", "--journal", journalPath()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^procscope: .*crosses the end of its mapping .*a write must lie inside one mapping/);
    expect(result.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    await demo.live.kill();
  });

  it("refuses r-x and read-only mappings without --force, and writes the read-only page with it", async () => {
    const demo = await startDemo();
    const code = await runCli(["write", demo.pid, demo.addresses.code as string, "--hex", "90", "--yes"]);
    expect(code.code).toBe(2);
    expect(code.stderr).toContain("non-writable mapping");
    expect(code.stderr).toContain("r-xp");
    expect(code.stderr).toContain("--force");

    const readOnly = demo.addresses.ro as string;
    const refused = await runCli(["write", demo.pid, readOnly, "--text", "FORCED", "--yes", "--journal", journalPath()]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("r--p");
    const forced = await runCli([
      "write",
      demo.pid,
      readOnly,
      "--text",
      "FORCED",
      "--yes",
      "--force",
      "--journal",
      journalPath(),
      "--json",
    ]);
    expect(forced.stderr).toBe("");
    expect(forced.code).toBe(0);
    const written = JSON.parse(forced.stdout) as { writes: { status: string; oldText: string; region: { perms: string } }[] };
    expect(written.writes[0]?.status).toBe("written");
    expect(written.writes[0]?.oldText).toBe("READON");
    expect(written.writes[0]?.region.perms).toBe("r--p");
    await demo.live.kill();
  });

  it("refuses shared mappings without --allow-shared, and [vvar] always", async () => {
    const demo = await startDemo();
    const shared = await runCli(["write", demo.pid, demo.addresses.shared as string, "--text", "X", "--yes"]);
    expect(shared.code).toBe(2);
    expect(shared.stderr).toContain("shared mapping");
    expect(shared.stderr).toContain("--allow-shared");
    const allowed = await runCli(["write", demo.pid, demo.addresses.shared as string, "--text", "X", "--allow-shared"]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('"S"');

    const vvarLine = fs
      .readFileSync(`/proc/${demo.pid}/maps`, "utf8")
      .split("\n")
      .find((l) => l.endsWith("[vvar]"));
    if (vvarLine) {
      const start = `0x${vvarLine.split("-")[0]}`;
      const vvar = await runCli(["write", demo.pid, start, "--hex", "00", "--yes", "--force", "--allow-shared"]);
      expect(vvar.code).toBe(2);
      expect(vvar.stderr).toContain("refusing to write [vvar]");
    }
    await demo.live.kill();
  });

  it("leaves a process that was already stopped stopped", async () => {
    const demo = await startDemo();
    process.kill(demo.live.pid, "SIGSTOP");
    await waitUntil("the demo to stop", () => state(demo.pid) === "T", { everyMs: 5 });
    const result = await replace(openProcFs(), demo.live.pid, Buffer.from("PLANTED-ALPHA"), Buffer.from("PLANTED-DELTA"), {
      apply: true,
      journal: journalPath(),
    });
    expect(result.freeze).toBe("was-stopped");
    expect(result.writes.some((w) => w.status === "written")).toBe(true);
    // A SIGCONT wakes a stopped task at once (kernel/signal.c, prepare_signal()), so had replace()
    // continued it, its state would no longer be T when replace() returns: no need to wait.
    expect(state(demo.pid)).toBe("T");
    const mark = demo.live.output().length;
    process.kill(demo.live.pid, "SIGCONT");
    await printsAfter(demo.live, mark, "say:PLANTED-DELTA-1234");
    await demo.live.kill();
  });

  it("freezes a running process for the write and continues it", async () => {
    const demo = await startDemo();
    const result = await writeMemory(openProcFs(), demo.live.pid, BigInt(demo.addresses.a as string), Buffer.from("PLANTED-ECHOS"), {
      apply: true,
      journal: journalPath(),
    });
    expect(result.freeze).toBe("frozen");
    const mark = demo.live.output().length;
    await printsAfter(demo.live, mark, "say:PLANTED-ECHOS-1234");
    expect(state(demo.pid)).not.toBe("T");
    await demo.live.kill();
  });

  it("undo refuses a journal whose process's PID was reused (start time differs)", async () => {
    const demo = await startDemo();
    const journal = journalPath();
    const done = await runCli(["write", demo.pid, demo.addresses.a as string, "--text", "PLANTED-FOXTR", "--yes", "--journal", journal]);
    expect(done.code).toBe(0);
    const lines = fs.readFileSync(journal, "utf8").split("\n");
    const header = JSON.parse(lines[0] as string) as { startTimeTicks: number };
    lines[0] = JSON.stringify({ ...header, startTimeTicks: header.startTimeTicks + 1 });
    fs.writeFileSync(journal, lines.join("\n"));
    const reused = await runCli(["undo", journal]);
    expect(reused.code).toBe(3);
    expect(reused.stderr).toBe(`procscope: process ${demo.pid} exited (its PID was reused)\n`);
    await expect(undo(openProcFs(), journal)).rejects.toBeInstanceOf(ProcessGone);
    // Memory still holds what was written: nothing was undone into the "other" process.
    const mark = demo.live.output().length;
    await printsAfter(demo.live, mark, "say:PLANTED-FOXTR-1234");
    await demo.live.kill();
  });

  it("undo refuses a journal whose process exited", async () => {
    const demo = await startDemo();
    const journal = journalPath();
    expect((await runCli(["write", demo.pid, demo.addresses.a as string, "--text", "Z", "--yes", "--journal", journal])).code).toBe(0);
    await demo.live.kill();
    const gone = await runCli(["undo", journal]);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(new RegExp(`^procscope: (process ${demo.pid} exited|no such process ${demo.pid})\n$`));
  });

  it("prints the default journal path under $HOME/.local/state/procscope", async () => {
    const demo = await startDemo();
    const home = fs.mkdtempSync(path.join(tmp, "home-"));
    const result = await runCli(["write", demo.pid, demo.addresses.b as string, "--text", "P", "--yes"], { env: { HOME: home } });
    expect(result.code).toBe(0);
    const start = fs.readFileSync(`/proc/${demo.pid}/stat`, "utf8").split(") ")[1]?.split(" ")[19];
    const expected = path.join(home, ".local", "state", "procscope", `journal-${demo.pid}-${start}.jsonl`);
    expect(result.stdout).toContain(`journal: ${expected}`);
    expect(fs.statSync(expected).mode & 0o777).toBe(0o600);
    await demo.live.kill();
  });
});

describe("replace/write/undo bad input", () => {
  it("rejects each bad input with one line and the right exit code", async () => {
    const demo = await startDemo();
    const cases: [string[], number, RegExp][] = [
      [["write", demo.pid, "0x10", "--text", "a", "--yes"], 1, new RegExp(`^procscope: 0x10 is not mapped in process ${demo.pid}\\n`)],
      [["write", demo.pid, demo.addresses.a as string, "--hex", "zz"], 2, /--hex must be pairs of hex digits/],
      [["write", demo.pid, demo.addresses.a as string, "--hex", "abc"], 2, /--hex must be pairs of hex digits/],
      [["write", demo.pid, demo.addresses.a as string, "--text", "a", "--hex", "61"], 2, /exactly one of --text S or --hex H/],
      [["write", demo.pid, demo.addresses.a as string], 2, /exactly one of --text S or --hex H/],
      [["write", demo.pid, "0xzz", "--text", "a"], 2, /malformed address|no region/],
      [["replace", demo.pid, "PLANTED", "PLANTED-LONGER"], 2, /longer than the old .*--allow-longer/],
      [["replace", demo.pid, "", "x"], 2, /OLD is empty/],
      [["replace", demo.pid, "NOT-IN-THERE-ANYWHERE", "x"], 1, /was not found in its writable private regions/],
      [["replace", demo.pid, "PLANTED", "X", "--region", "nosuchlib"], 1, /matches no region/],
      [["replace", demo.pid, "PLANTED", "X", "--max", "0"], 2, /--max must be a positive/],
      [["replace", String(unusedPid()), "a", "b"], 3, /no such process/],
      [["write", "abc", "0x10", "--text", "a"], 2, /PID must be a positive number/],
      [["undo", path.join(tmp, "missing.jsonl")], 1, /does not exist/],
      [
        ["write", demo.pid, "0x1000", "--text", "a", "--root", FIXTURE_PROC],
        1,
        /not the kernel's \/proc: memory can only be written in a live system/,
      ],
    ];
    for (const [argv, code, message] of cases) {
      const result = await runCli(argv);
      expect({ argv, code: result.code }).toEqual({ argv, code });
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(/^procscope: /);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    // Not a journal at all.
    const junk = path.join(tmp, "junk.jsonl");
    fs.writeFileSync(junk, "hello\n");
    const parsed = await runCli(["undo", junk]);
    expect(parsed.code).toBe(1);
    expect(parsed.stderr).toMatch(/^procscope: cannot parse ".*junk.jsonl" line 1/);
    await demo.live.kill();
  });

  it("a shorter NEW without --pad writes NEW's bytes over the start of OLD (it used to refuse every match)", async () => {
    const demo = await startDemo();
    const result = await runCli(["replace", demo.pid, "PLANTED-ALPHA-1234", "X", "--yes", "--json", "--region", "heap"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const writes = (JSON.parse(result.stdout) as { writes: { status: string; new: string }[] }).writes;
    // The string itself, and its copy in stdout's buffer.
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((w) => w.status === "written")).toBe(true);
    expect(writes[0]?.new).toBe(Buffer.from("X").toString("hex"));
    await printsAfter(demo.live, demo.live.output().length, "say:XLANTED-ALPHA-1234");
    await demo.live.kill();
  });

  it("--pad fills a shorter NEW with NUL, and --allow-longer overwrites what follows", async () => {
    const demo = await startDemo();
    const padded = await runCli(["replace", demo.pid, "BRAVO-5678", "B", "--pad", "--json"]);
    expect(padded.code).toBe(0);
    const writes = (JSON.parse(padded.stdout) as { writes: { new: string }[] }).writes;
    expect(writes[0]?.new).toBe(`42${"00".repeat(9)}`);
    const longer = await runCli(["replace", demo.pid, "BRAVO", "BRAVO-LONGER", "--allow-longer", "--json"]);
    expect(longer.code).toBe(0);
    expect((JSON.parse(longer.stdout) as { writes: { old: string }[] }).writes[0]?.old).toBe(Buffer.from("BRAVO-5678\0\0").toString("hex"));
    await demo.live.kill();
  });

  it("reports permission denied (exit 4) for a caller who may not write the process", async () => {
    const demo = await startDemo();
    const result = await runAsNobody([
      "write",
      demo.pid,
      demo.addresses.a as string,
      "--text",
      "x",
      "--yes",
      "--journal",
      "/tmp/nobody.jsonl",
    ]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^procscope: .*permission denied/);
    await demo.live.kill();
  });
});
