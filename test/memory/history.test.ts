import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { findBashHistoryEntries, findZshHistoryEntries, loadedRegion, readShellHistory } from "../../src/memory/history.js";
import { runCli } from "../helpers/cli.js";
import { FIXTURE_PROC } from "../helpers/fixtures.js";
import { startProcess, unusedPid } from "../helpers/live.js";
import { waitUntil } from "../helpers/wait.js";

const home = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-history-"));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const until = <T>(what: string, probe: () => T | undefined): Promise<T> => waitUntil(what, probe, { everyMs: 25 });

/** A real interactive shell on a pseudo-terminal (script(1)), to type commands into. */
async function interactiveShell(shell: "bash" | "zsh", commandLine: string, env: Record<string, string>) {
  const live = await startProcess("script", ["-qfc", commandLine, "/dev/null"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, PS1: "$ ", TERM: "dumb", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  // script runs the command through $SHELL -c, so the shell may be a child or a grandchild.
  const shellPid = await until(`${shell} under script`, () => {
    const queue = [live.pid];
    while (queue.length > 0) {
      const pid = queue.shift() as number;
      try {
        if (pid !== live.pid && fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim() === shell) return pid;
        const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
        if (children !== "") queue.push(...children.split(" ").map(Number));
      } catch {
        // Exited meanwhile.
      }
    }
    return undefined;
  });
  return { live, shellPid };
}

describe("shellHistory()", () => {
  it("finds the commands typed into a live interactive bash, oldest first, as bash's own history lists them", async () => {
    const tag = `t${process.pid}x${Date.now() % 100000}`;
    const { live, shellPid: bashPid } = await interactiveShell("bash", "bash --norc --noprofile -i", {
      HISTFILE: path.join(home, `hist-${tag}`),
    });
    const typed = [
      `echo first-${tag}`,
      `ls / > /dev/null && echo second-${tag}`,
      `echo "third ${tag}" | tr a-z A-Z`,
      `echo $((6*7))-${tag}`,
    ];
    for (const command of typed) live.child.stdin?.write(`${command}\n`);
    await live.waitFor(`42-${tag}`);
    const reference = path.join(home, `ref-${tag}.txt`);
    live.child.stdin?.write(`history > ${reference}\n`);
    const lines = await until("bash's history output", () => {
      const text = fs.existsSync(reference) ? fs.readFileSync(reference, "utf8") : "";
      return text.includes("history >") ? text.trimEnd().split("\n") : undefined;
    });
    // bash's builtin prints "  N  command"; it is the reference for what bash keeps, in order.
    const expected = lines.map((line) => (/^\s*\d+\s+(.*)$/.exec(line)?.[1] ?? line).trimEnd());
    expect(expected.slice(0, typed.length)).toEqual(typed);

    const history = await readShellHistory(openProcFs(), bashPid);
    expect(history.supported).toBe(true);
    expect(history.shell).toBe("bash");
    const listed = history.entries.filter((e) => e.index !== null);
    expect(listed.map((e) => e.command)).toEqual(expected);
    expect(listed.map((e) => e.index)).toEqual(expected.map((_, i) => i));
    for (const entry of listed) {
      expect(entry.time).not.toBeNull();
      expect(Math.abs(Date.parse(entry.time as string) - Date.now())).toBeLessThan(10 * 60 * 1000);
    }

    const cli = await runCli(["history", String(bashPid)]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(`process ${bashPid} (bash): ${history.entries.length} command`);
    const firstAt = cli.stdout.indexOf(`echo first-${tag}`);
    const lastAt = cli.stdout.indexOf(`echo $((6*7))-${tag}`);
    expect(firstAt).toBeGreaterThan(0);
    expect(lastAt).toBeGreaterThan(firstAt);

    const all = await runCli(["history", "--all-shells", "--json"]);
    expect(all.code).toBe(0);
    const shells = JSON.parse(all.stdout) as { pid: number; entries?: { command: string }[] }[];
    const ours = shells.find((s) => s.pid === bashPid);
    expect(ours?.entries?.map((e) => e.command)).toEqual(expect.arrayContaining(typed));
    await live.kill();
  });

  it("finds the commands typed into a live interactive zsh, newest last, with zsh's own event times", async () => {
    const tag = `z${process.pid}x${Date.now() % 100000}`;
    // -f: no rc files; HISTFILE /dev/null: nothing is saved, so only memory holds the history.
    const { live, shellPid } = await interactiveShell("zsh", "zsh -f -i", { HISTFILE: "/dev/null", LANG: "C.UTF-8" });
    await live.waitFor("$ ");

    const before = await readShellHistory(openProcFs(), shellPid);
    expect(before).toMatchObject({ shell: "zsh", supported: true, entries: [] });
    expect(before.note).toContain("nothing typed yet");

    const typed = [
      `echo first-${tag}`,
      // zsh stores text metafied: the em dash's 0x94 byte is kept as 0x83 0xb4.
      `echo 'second—${tag} ü'`,
      `for i in 1 2; do\necho $i-${tag}\ndone`,
      `echo $((6*7))-${tag}`,
    ];
    for (const command of typed) live.child.stdin?.write(`${command}\n`);
    await live.waitFor(`42-${tag}`);
    const reference = path.join(home, `ref-${tag}.txt`);
    // fc -l lists every event but the running one: "  NUMBER  EPOCH  command", newlines as \n.
    const listing = `fc -l -t '%s' 1 > ${reference}; echo listed-$((1+1))-${tag}`;
    live.child.stdin?.write(`${listing}\n`);
    // The terminal echoes what is typed: wait for what only the shell's output can say.
    await live.waitFor(`listed-2-${tag}`);
    const expected = fs
      .readFileSync(reference, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => {
        const [, seconds, command] = /^\s*\d+\s+(\d+)\s+(.*)$/.exec(line) ?? [];
        return { command: command?.replaceAll("\\n", "\n"), time: new Date(Number(seconds) * 1000).toISOString() };
      });
    expect(expected.map((e) => e.command)).toEqual(typed);

    const history = await readShellHistory(openProcFs(), shellPid);
    expect(history).toMatchObject({ shell: "zsh", supported: true, note: null });
    // The fc line itself is in the history too, as the newest entry.
    expect(history.entries.map(({ command, time }) => ({ command, time }))).toEqual([
      ...expected,
      { command: listing, time: expect.any(String) },
    ]);
    expect(history.entries.map((e) => e.index)).toEqual([0, 1, 2, 3, 4]);

    const cli = await runCli(["history", String(shellPid), "--json"]);
    expect(cli.code).toBe(0);
    const [json, ...more] = JSON.parse(cli.stdout) as {
      shell: string;
      entries: { index: number; command: string; time: string; address: string }[];
    }[];
    expect(more).toEqual([]);
    if (json === undefined) throw new Error("history --json printed an empty array");
    expect(json.shell).toBe("zsh");
    expect(json.entries).toEqual(history.entries.map((e) => ({ ...e, address: `0x${e.address.toString(16)}` })));
    const text = await runCli(["history", String(shellPid)]);
    expect(text.stdout).toContain(`process ${shellPid} (zsh): 5 commands in memory`);
    expect(text.stdout.indexOf(`echo first-${tag}`)).toBeLessThan(text.stdout.indexOf(`echo $((6*7))-${tag}`));

    const all = await runCli(["history", "--all-shells", "--json"]);
    expect(all.code).toBe(0);
    const shells = JSON.parse(all.stdout) as { pid: number; shell?: string; entries?: { command: string }[] }[];
    const ours = shells.find((s) => s.pid === shellPid);
    expect(ours?.shell).toBe("zsh");
    expect(ours?.entries?.map((e) => e.command)).toEqual(expect.arrayContaining(typed));
    await live.kill();
  });

  it("says a non-interactive bash keeps no history, and a non-shell is not supported", async () => {
    const script = await startProcess("bash", ["-c", "echo ready; read line"], { ready: "ready" });
    const quiet = await runCli(["history", String(script.pid), "--json"]);
    expect(quiet.code).toBe(0);
    const [result] = JSON.parse(quiet.stdout) as { supported: boolean; entries: unknown[]; note: string }[];
    if (result === undefined) throw new Error("history --json printed an empty array");
    expect(result.supported).toBe(true);
    expect(result.entries).toEqual([]);
    expect(result.note).toContain("non-interactive");
    await script.kill();

    const sleeper = await startProcess("sleep", ["30"]);
    const other = await readShellHistory(openProcFs(), sleeper.pid);
    expect(other.supported).toBe(false);
    expect(other.note).toContain("sleep is not bash or zsh");
    await sleeper.kill();
  });

  it("rejects bad input with one line and the right exit code", async () => {
    const cases: [string[], number, RegExp][] = [
      [["history"], 2, /give a PID or --all-shells/],
      [["history", "1", "--all-shells"], 2, /not both/],
      [["history", "x1"], 2, /PID must be a positive number/],
      [["history", String(unusedPid())], 3, /no such process/],
      [["history", "2"], 1, /kernel thread/],
      [["history", "1", "--root", FIXTURE_PROC], 1, /not the kernel's \/proc/],
    ];
    for (const [argv, code, message] of cases) {
      const result = await runCli(argv);
      expect({ argv, code: result.code }).toEqual({ argv, code });
      expect(result.stderr).toMatch(/^procscope: /);
      expect(result.stderr).toMatch(message);
    }
  });
});

/** Lays out bash-like history in a fake heap at `base`: strings, HIST_ENTRY structs, the_history. */
function fakeHeap(base: number, commands: readonly string[], order: readonly number[], stale: string[] = []) {
  const bytes = Buffer.alloc(8192);
  let cursor = 64;
  const put = (text: Buffer): number => {
    const at = cursor;
    text.copy(bytes, at);
    cursor += Math.ceil((text.length + 1) / 16) * 16;
    return base + at;
  };
  const entry = (command: string, seconds: number): number => {
    const line = put(Buffer.from(command));
    const ts = put(Buffer.from(`#${seconds}`));
    const at = cursor;
    bytes.writeBigUInt64LE(BigInt(line), at);
    bytes.writeBigUInt64LE(BigInt(ts), at + 8);
    cursor += 32;
    return base + at;
  };
  // Structs are allocated in `order`, so their addresses do not follow the typing order.
  const structs = new Map<number, number>();
  for (const i of order) structs.set(i, entry(commands[i] as string, 1_795_400_000 + i));
  for (const [i, command] of stale.entries()) entry(command, 1_795_300_000 + i);
  const list = cursor;
  for (let i = 0; i < commands.length; i++) bytes.writeBigUInt64LE(BigInt(structs.get(i) as number), list + i * 8);
  return loadedRegion(base, bytes);
}

describe("findBashHistoryEntries()", () => {
  it("orders entries by bash's history array, not by address, and lists left-over entries last", () => {
    const commands = ["make", "ls -la", "cat /etc/passwd | grep root", "for i in 1 2; do\necho $i\ndone"];
    const region = fakeHeap(0x5555_0000_0000, commands, [2, 0, 3, 1], ["old command"]);
    const entries = findBashHistoryEntries([region]);
    expect(entries.map((e) => e.command)).toEqual([...commands, "old command"]);
    expect(entries.map((e) => e.index)).toEqual([0, 1, 2, 3, null]);
    expect(entries[0]?.time).toBe(new Date(1_795_400_000 * 1000).toISOString());
  });

  it("works for a non-PIE bash whose heap lies below 4 GiB, and finds nothing in plain data", () => {
    const entries = findBashHistoryEntries([fakeHeap(0x0100_0000, ["id", "whoami"], [1, 0])]);
    expect(entries.map((e) => [e.index, e.command])).toEqual([
      [0, "id"],
      [1, "whoami"],
    ]);
    const noise = Buffer.alloc(4096);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7) & 0xff;
    expect(findBashHistoryEntries([loadedRegion(0x7f00_0000_0000, noise)])).toEqual([]);
  });
});

interface FakeHistent {
  readonly command: Buffer;
  readonly histnum: number;
  readonly seconds: number;
}

/**
 * Lays out zsh-like history: rings of `struct histent` (88 bytes, Src/zsh.h) in a fake heap, and
 * zle's `curline` in a fake .bss. Each ring is oldest first; `editing` links curline into that
 * ring between its newest and oldest entry, as zle does while the prompt waits.
 */
function fakeZshMemory(rings: readonly (readonly FakeHistent[])[], options: { editing?: number; unlinked?: FakeHistent } = {}) {
  const heapBase = 0x5555_0000_0000;
  const bssBase = 0x5554_0000_0000;
  const heap = Buffer.alloc(8192);
  const bss = Buffer.alloc(4096);
  let cursor = 64;
  const put = (text: Buffer): number => {
    const at = cursor;
    text.copy(heap, at);
    cursor += Math.ceil((text.length + 1) / 16) * 16;
    return heapBase + at;
  };
  const write = (bytes: Buffer, base: number, address: number, fields: { nam: number; up: number; down: number; entry?: FakeHistent }) => {
    const at = address - base;
    bytes.writeBigUInt64LE(BigInt(fields.nam), at + 8);
    bytes.writeBigUInt64LE(BigInt(fields.up), at + 24);
    bytes.writeBigUInt64LE(BigInt(fields.down), at + 32);
    if (fields.entry) {
      bytes.writeBigUInt64LE(BigInt(fields.entry.seconds), at + 48);
      bytes.writeBigUInt64LE(BigInt(fields.entry.seconds), at + 56);
      bytes.writeInt32LE(1, at + 72);
      bytes.writeBigUInt64LE(BigInt(fields.entry.histnum), at + 80);
    }
  };
  const curline = bssBase + 0x480;
  const empty = put(Buffer.alloc(0));
  for (const [r, ring] of rings.entries()) {
    // Allocated newest first, so that addresses do not follow the order.
    const texts = ring.map((e) => put(e.command));
    const structs = ring.map((_, i) => heapBase + cursor + (ring.length - 1 - i) * 96);
    cursor += ring.length * 96;
    const nodes = r === options.editing ? [...structs, curline] : structs;
    const at = (i: number) => nodes[(i + nodes.length) % nodes.length] as number;
    for (const [i, entry] of ring.entries())
      write(heap, heapBase, at(i), { nam: texts[i] as number, up: at(i - 1), down: at(i + 1), entry });
    if (r === options.editing) write(bss, bssBase, curline, { nam: empty, up: at(-2), down: at(0) });
  }
  if (options.unlinked) {
    // A histent-shaped struct whose neighbours do not point back at it.
    const nam = put(options.unlinked.command);
    write(heap, heapBase, heapBase + cursor, { nam, up: heapBase + 8000, down: heapBase + 8000, entry: options.unlinked });
  }
  return [loadedRegion(bssBase, bss), loadedRegion(heapBase, heap)];
}

const event = (command: string | Buffer, histnum: number, seconds = 1_795_400_000 + histnum): FakeHistent => ({
  command: Buffer.from(command),
  histnum,
  seconds,
});

describe("findZshHistoryEntries()", () => {
  it("follows the ring through zle's curline, orders it by event number and unmetafies the text", () => {
    // "—" is e2 80 94; zsh metafies 0x94 as Meta (0x83) then 0x94 ^ 0x20.
    const metafied = Buffer.from([...Buffer.from("echo '"), 0xe2, 0x80, 0x83, 0xb4, ...Buffer.from("'")]);
    const ring = [event("make", 1), event(metafied, 2), event("for i in 1 2; do\necho $i\ndone", 3)];
    const entries = findZshHistoryEntries(fakeZshMemory([ring], { editing: 0, unlinked: event("not in the ring", 9) }));
    expect(entries.map((e) => [e.index, e.command])).toEqual([
      [0, "make"],
      [1, "echo '—'"],
      [2, "for i in 1 2; do\necho $i\ndone"],
    ]);
    expect(entries[0]?.time).toBe(new Date(1_795_400_001 * 1000).toISOString());
  });

  it("takes the ring zle edits on as the list after fc -p, and the other ring as old entries", () => {
    // fc -p numbers the new ring from 1 again, within the same second as the ring it set aside.
    const setAside = [event("echo kept", 10, 1_795_400_100), event("fc -p", 11, 1_795_400_100)];
    const current = [event("echo pushed", 1, 1_795_400_100)];
    const entries = findZshHistoryEntries(fakeZshMemory([setAside, current], { editing: 1 }));
    expect(entries.map((e) => [e.index, e.command])).toEqual([
      [0, "echo pushed"],
      [null, "echo kept"],
      [null, "fc -p"],
    ]);
    // While a command runs curline is out of the ring: the ring with the newest command wins.
    const running = findZshHistoryEntries(fakeZshMemory([[event("echo old", 1)], [event("echo new", 1, 1_795_500_000)]]));
    expect(running.map((e) => [e.index, e.command])).toEqual([
      [0, "echo new"],
      [null, "echo old"],
    ]);
  });

  it("finds nothing in plain data or in bash's structures", () => {
    const noise = Buffer.alloc(4096);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7) & 0xff;
    expect(findZshHistoryEntries([loadedRegion(0x7f00_0000_0000, noise)])).toEqual([]);
    expect(findZshHistoryEntries([fakeHeap(0x5555_0000_0000, ["id", "whoami"], [1, 0])])).toEqual([]);
  });
});
