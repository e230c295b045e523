import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { findHistoryEntries, loadedRegion, shellHistory } from "../../src/memory/history.js";
import { runCli } from "../helpers/cli.js";
import { startProcess, unusedPid } from "../helpers/live.js";

const home = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-history-"));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  for (let waited = 0; waited < timeoutMs; waited += 25) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A real interactive bash on a pseudo-terminal (script(1)), typing commands into it. */
async function interactiveBash(tag: string) {
  const live = await startProcess("script", ["-qfc", "bash --norc --noprofile -i", "/dev/null"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, HISTFILE: path.join(home, `hist-${tag}`), PS1: "$ ", TERM: "dumb" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  // script runs the command through $SHELL -c, so bash may be a child or a grandchild.
  const bashPid = await until("bash under script", () => {
    const queue = [live.pid];
    while (queue.length > 0) {
      const pid = queue.shift() as number;
      try {
        if (pid !== live.pid && fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "bash") return pid;
        const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
        if (children !== "") queue.push(...children.split(" ").map(Number));
      } catch {
        // Exited meanwhile.
      }
    }
    return undefined;
  });
  return { live, bashPid };
}

describe("shellHistory()", () => {
  it("finds the commands typed into a live interactive bash, oldest first, as bash's own history lists them", async () => {
    const tag = `t${process.pid}x${Date.now() % 100000}`;
    const { live, bashPid } = await interactiveBash(tag);
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

    const history = await shellHistory(openProcFs(), bashPid);
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

  it("says a non-interactive bash keeps no history, and a non-shell is not supported", async () => {
    const script = await startProcess("bash", ["-c", "echo ready; read line"], { ready: "ready" });
    const quiet = await runCli(["history", String(script.pid), "--json"]);
    expect(quiet.code).toBe(0);
    const result = JSON.parse(quiet.stdout) as { supported: boolean; entries: unknown[]; note: string };
    expect(result.supported).toBe(true);
    expect(result.entries).toEqual([]);
    expect(result.note).toContain("non-interactive");
    await script.kill();

    const sleeper = await startProcess("sleep", ["30"]);
    const other = await shellHistory(openProcFs(), sleeper.pid);
    expect(other.supported).toBe(false);
    expect(other.note).toContain("sleep is not bash");
    await sleeper.kill();
  });

  it("rejects bad input with one line and the right exit code", async () => {
    const cases: [string[], number, RegExp][] = [
      [["history"], 2, /give a PID or --all-shells/],
      [["history", "1", "--all-shells"], 2, /not both/],
      [["history", "x1"], 2, /PID must be a positive number/],
      [["history", String(unusedPid())], 3, /exited/],
      [["history", "2"], 1, /kernel thread/],
      [["history", "1", "--root", "test/fixtures"], 1, /not the kernel's \/proc/],
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

describe("findHistoryEntries()", () => {
  it("orders entries by bash's history array, not by address, and lists left-over entries last", () => {
    const commands = ["make", "ls -la", "cat /etc/passwd | grep root", "for i in 1 2; do\necho $i\ndone"];
    const region = fakeHeap(0x5555_0000_0000, commands, [2, 0, 3, 1], ["old command"]);
    const entries = findHistoryEntries([region]);
    expect(entries.map((e) => e.command)).toEqual([...commands, "old command"]);
    expect(entries.map((e) => e.index)).toEqual([0, 1, 2, 3, null]);
    expect(entries[0]?.time).toBe(new Date(1_795_400_000 * 1000).toISOString());
  });

  it("works for a non-PIE bash whose heap lies below 4 GiB, and finds nothing in plain data", () => {
    const entries = findHistoryEntries([fakeHeap(0x0100_0000, ["id", "whoami"], [1, 0])]);
    expect(entries.map((e) => [e.index, e.command])).toEqual([
      [0, "id"],
      [1, "whoami"],
    ]);
    const noise = Buffer.alloc(4096);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7) & 0xff;
    expect(findHistoryEntries([loadedRegion(0x7f00_0000_0000, noise)])).toEqual([]);
  });
});
