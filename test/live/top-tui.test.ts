/**
 * The interactive top in a real terminal: tmux runs it, send-keys types, capture-pane reads the
 * screen. Needs tmux (scripts/install-test-deps.sh) and dist/ (npm test builds it first).
 */
import { execFileSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";
import { startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";
import { waitUntil } from "../helpers/wait.js";

const IDLE = `#include <stdio.h>
#include <unistd.h>
int main(void) { puts("ready"); fflush(stdout); for (;;) pause(); }
`;

const sessions: string[] = [];
afterAll(() => {
  for (const s of sessions) {
    try {
      tmux("kill-session", "-t", s);
    } catch {
      // already gone
    }
  }
});

function tmux(...args: string[]): string {
  return execFileSync("tmux", args, { encoding: "utf8" });
}

/** A tmux session running a plain shell whose prompt is "READY$ ". */
async function session(columns: number, rows: number, env: Record<string, string>): Promise<string> {
  const name = `procscope-top-${process.pid}-${sessions.length}`;
  sessions.push(name);
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  tmux(
    "new-session",
    "-d",
    "-s",
    name,
    "-x",
    String(columns),
    "-y",
    String(rows),
    "env",
    "-u",
    "NODE_EXTRA_CA_CERTS",
    ...vars,
    "PS1=READY$ ",
    "bash",
    "--norc",
    "--noprofile",
  );
  await waitScreen(name, (s) => s.includes("READY$"));
  return name;
}

function screen(name: string): string {
  return tmux("capture-pane", "-p", "-t", name);
}

function alternateOn(name: string): boolean {
  return tmux("display-message", "-p", "-t", name, "#{alternate_on}").trim() === "1";
}

async function waitScreen(name: string, ok: (text: string) => boolean, timeoutMs = 15_000): Promise<string> {
  let text = "";
  try {
    return await waitUntil(
      "the screen",
      () => {
        text = screen(name);
        return ok(text) && text;
      },
      { timeoutMs, everyMs: 100 },
    );
  } catch {
    throw new Error(`screen never matched; last screen:\n${text}`);
  }
}

function keys(name: string, ...k: string[]): void {
  tmux("send-keys", "-t", name, ...k);
}

function startTop(name: string, args = ""): void {
  keys(name, "-l", `${process.execPath} ${BIN} top --interval 300 ${args}`);
  keys(name, "Enter");
}

describe("top (interactive, in tmux)", () => {
  it("shows the header and a known process, sorts, filters, switches to tree view, and q restores the terminal", async () => {
    const target = await startProcess(compileC("tui-target", IDLE), [], { ready: "ready" });
    const name = await session(120, 30, { LANG: "C.UTF-8" });
    startTop(name);
    let text = await waitScreen(name, (s) => /Load average: [\d.]+/.test(s) && /Tasks: \d+/.test(s));
    expect(alternateOn(name)).toBe(true);
    expect(text).toMatch(/^\s*0\[/m);
    expect(text).toMatch(/Mem\[.*\/.*\]/);
    expect(text).toMatch(/Uptime: \d\d:\d\d:\d\d/);
    expect(text).toMatch(/CPU%▼/);

    // Sort by PID (N): ascending, so PID 1 comes first.
    keys(name, "N");
    text = await waitScreen(name, (s) => s.includes("PID▲"));
    const firstRow = text.split("\n").find((l) => /^\s+\d+ \S+\s+-?\d+/.test(l));
    expect(firstRow).toMatch(/^\s+1 /);

    // Filter by the target's name: only it remains.
    keys(name, "/");
    keys(name, "-l", "tui-target");
    keys(name, "Enter");
    // The list is filtered as each key arrives: wait for the whole name's answer, one row.
    const processRows = (screen: string) => screen.split("\n").filter((l) => /^\s+\d+ \S+\s+-?\d+\s/.test(l));
    text = await waitScreen(name, (s) => s.includes(`${target.pid} root`) && processRows(s).length === 1);
    const rows = processRows(text);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain("tui-target");

    // Tree view.
    keys(name, "t");
    await waitScreen(name, (s) => s.includes("Command (tree)"));

    // Details of the selected process, then back.
    keys(name, "Enter");
    text = await waitScreen(name, (s) => s.includes(`PID ${target.pid} tui-target`) && /comm: tui-target/.test(s));
    // The open files and memory tabs load their areas on demand, inside the bundle.
    keys(name, "3");
    await waitScreen(name, (s) => /FD TYPE\s+POS TARGET/.test(s) && /^\s+0 \S+/m.test(s));
    keys(name, "4");
    await waitScreen(name, (s) => /START\s+END\s+PERM/.test(s) && /\[stack\]/.test(s) && /tui-target/.test(s));
    keys(name, "Escape");
    await waitScreen(name, (s) => s.includes("Command (tree)"));

    keys(name, "q");
    text = await waitScreen(name, (s) => s.includes("READY$") && !s.includes("Load average"));
    expect(alternateOn(name)).toBe(false);
    await target.kill();
  });

  it("sends a signal after confirmation, refuses an unknown signal name, and notices the exit", async () => {
    const target = await startProcess(compileC("tui-victim", IDLE), [], { ready: "ready" });
    const exited = new Promise<string | null>((resolve) => target.child.once("exit", (_code, signal) => resolve(signal)));
    const name = await session(100, 24, { LANG: "C.UTF-8" });
    startTop(name, `--filter ${target.pid}`);
    await waitScreen(name, (s) => s.includes(`${target.pid} root`));

    keys(name, "k");
    await waitScreen(name, (s) => new RegExp(`Signal for ${target.pid} \\(tui-victim[^)]*\\): TERM`).test(s));
    keys(name, "BSpace", "BSpace", "BSpace", "BSpace");
    keys(name, "-l", "NOPE");
    keys(name, "Enter");
    await waitScreen(name, (s) => s.includes('unknown signal "NOPE"'));

    keys(name, "k");
    await waitScreen(name, (s) => s.includes("Signal for"));
    keys(name, "Enter");
    await waitScreen(name, (s) => new RegExp(`Send SIGTERM to ${target.pid} \\(tui-victim[^)]*\\)\\? \\[y/N\\]`).test(s));
    keys(name, "y");
    expect(await exited).toBe("SIGTERM");
    await waitScreen(
      name,
      (s) =>
        s.includes(`process ${target.pid} exited`) ||
        s.includes(`no such process ${target.pid}`) ||
        s.includes(`sent SIGTERM to ${target.pid}`),
    );
    await waitScreen(name, (s) => !s.includes(`${target.pid} root`));

    // Ctrl-C quits too and leaves the alternate screen.
    keys(name, "C-c");
    await waitScreen(name, (s) => s.includes("READY$") && !s.includes("Load average"));
    expect(alternateOn(name)).toBe(false);
  });

  it("says which size it needs in a terminal too small, draws ASCII bars without UTF-8, and exits on SIGTERM", async () => {
    const small = await session(40, 8, { LANG: "C" });
    startTop(small);
    await waitScreen(small, (s) => /Terminal too small: 40x8\./.test(s) && /needs at least 50x\d+/.test(s));
    keys(small, "q");
    await waitScreen(small, (s) => s.includes("READY$") && !s.includes("too small"));

    const ascii = await session(100, 24, { LANG: "C", NO_COLOR: "1" });
    startTop(ascii);
    const text = await waitScreen(ascii, (s) => /Load average: [\d.]+/.test(s));
    expect(text).toMatch(/Mem\[\|+/);
    expect(text).not.toMatch(/[█▏▎▍▌▋▊▉]/);
    expect(text).toMatch(/CPU%v/);
    // SIGTERM to the top process: the terminal comes back.
    const pids = execFileSync("pgrep", ["-f", `${BIN} top --interval 300`], { encoding: "utf8" })
      .trim()
      .split("\n");
    const panePid = tmux("display-message", "-p", "-t", ascii, "#{pane_pid}").trim();
    const mine = pids.find((p) => execFileSync("ps", ["-o", "ppid=", "-p", p], { encoding: "utf8" }).trim() === panePid);
    expect(mine).toBeDefined();
    process.kill(Number(mine), "SIGTERM");
    await waitScreen(ascii, (s) => s.includes("READY$") && !s.includes("Load average"));
    expect(alternateOn(ascii)).toBe(false);
  });
});
