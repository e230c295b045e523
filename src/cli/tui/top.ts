/**
 * `procscope top`, interactive: owns the terminal (alternate screen, raw keys), samples on a
 * timer, and redraws only the lines that changed. The terminal is restored on q, Ctrl-C, F10,
 * SIGTERM, SIGHUP, and on any error (which then reaches main() as one line).
 */
import fs from "node:fs";
import os from "node:os";
import readline from "node:readline";
import type tty from "node:tty";
import { escapeControl } from "../../bytes.js";
import { ProcError, ProcessGone } from "../../errors.js";
import type { DetailsTab } from "../../live/details.js";
import { createSampler, type SampledProcess, type Snapshot } from "../../live/sampler.js";
import { type TreeRow as GenericTreeRow, isDescending, matchesFilter, sortSampled, treeRows } from "../../live/sort.js";
import type { ProcessContext } from "../../processes/process.js";
import { parsePidStat } from "../../procfs/pid/stat.js";
import { UsageError } from "../exit.js";
import { capabilitiesFrom, FrameWriter } from "./screen.js";
import { buildFrame, type DetailsPane, type Mode, SORT_ORDER, type ViewModel, visibleRows } from "./top-view.js";

type TreeRow = GenericTreeRow<SampledProcess>;

export interface TopTuiOptions {
  readonly intervalMs: number;
  readonly sort: string;
  readonly filter: string;
  readonly tree: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Defaults to process.stdin / process.stdout. */
  readonly input?: tty.ReadStream;
  readonly output?: tty.WriteStream;
}

const ENTER = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J";
const LEAVE = "\x1b[0m\x1b[?25h\x1b[?1049l";

interface Target {
  readonly pid: number;
  readonly startTimeTicks: number;
  readonly comm: string;
  readonly nice: number;
}

/** Signal names as kill -l gives them, from Node's table (SIGTERM → 15). */
export function parseSignal(text: string): { name: string; number: number } | null {
  const signals = os.constants.signals as Record<string, number>;
  const trimmed = text.trim().toUpperCase();
  if (/^\d+$/.test(trimmed)) {
    const number = Number(trimmed);
    const name = Object.keys(signals).find((k) => signals[k] === number);
    return name === undefined ? null : { name, number };
  }
  const name = trimmed.startsWith("SIG") ? trimmed : `SIG${trimmed}`;
  const number = signals[name];
  return number === undefined ? null : { name, number };
}

/** Runs the interactive view until the user quits. */
export async function runTopTui(context: ProcessContext, options: TopTuiOptions): Promise<void> {
  const input = options.input ?? (process.stdin as tty.ReadStream);
  const output = options.output ?? (process.stdout as tty.WriteStream);
  if (!input.isTTY) throw new UsageError("top needs a terminal for its keys, and stdin is not one: use `procscope top --once`");
  const caps = capabilitiesFrom(options.env);
  const sampler = createSampler(context);

  let snapshot: Snapshot | null = null;
  let rows: TreeRow[] = [];
  let sort = options.sort;
  let filter = options.filter;
  let tree = options.tree;
  let mode: Mode = "list";
  let prompt = "";
  let inputText = "";
  let message: ViewModel["message"] = null;
  let messageUntil = 0;
  let selectedKey: string | null = null;
  let selectedIndex = 0;
  let scroll = 0;
  let pendingSignal: { name: string; number: number } | null = null;
  let pendingNice: number | null = null;
  let target: Target | null = null;
  let details: (DetailsPane & { pid: number; startTimeTicks: number }) | null = null;
  let detailsToken = 0;

  const writer = new FrameWriter((text) => output.write(text));
  const size = () => ({ columns: output.columns ?? 80, rows: output.rows ?? 24 });
  const keyOf = (p: { pid: number; startTimeTicks: number }) => `${p.pid}:${p.startTimeTicks}`;

  let restored = false;
  let timer: NodeJS.Timeout | undefined;
  let finish: (error?: unknown) => void = () => {};

  const restore = (): void => {
    if (restored) return;
    restored = true;
    if (timer) clearTimeout(timer);
    input.removeListener("keypress", onKeypress);
    output.removeListener("resize", onResize);
    process.removeListener("SIGTERM", onSignal);
    process.removeListener("SIGHUP", onSignal);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("exit", onExit);
    try {
      input.setRawMode(false);
    } catch {
      // stdin already closed
    }
    input.pause();
    try {
      fs.writeSync((output as unknown as { fd?: number }).fd ?? 1, LEAVE);
    } catch {
      output.write(LEAVE);
    }
  };
  const onExit = (): void => restore();
  const onSignal = (signal: NodeJS.Signals): void => {
    restore();
    const number = (os.constants.signals as Record<string, number>)[signal] ?? 15;
    if (signal === "SIGINT") finish();
    else process.exit(128 + number);
  };

  const setMessage = (text: string, warn = false): void => {
    message = { text: escapeControl(text), warn };
    messageUntil = Date.now() + 4000;
  };

  const recompute = (): void => {
    const processes = snapshot?.processes ?? [];
    const shown = filter === "" ? processes : processes.filter((p) => matchesFilter(p, filter));
    rows = tree ? treeRows(shown, sort) : sortSampled(shown, sort).map((process) => ({ process, depth: 0, lastFlags: [] }));
    if (selectedKey !== null) {
      const index = rows.findIndex((r) => keyOf(r.process) === selectedKey);
      if (index >= 0) selectedIndex = index;
      else {
        const gone = !processes.some((p) => keyOf(p) === selectedKey);
        if (gone) setMessage(`process ${selectedKey.split(":")[0]} exited`, true);
        selectedKey = null;
      }
    }
    selectedIndex = Math.max(0, Math.min(selectedIndex, rows.length - 1));
    const selected = rows[selectedIndex];
    selectedKey = selected ? keyOf(selected.process) : null;
    const room = visibleRows(size(), snapshot?.cpuCount ?? 1);
    if (selectedIndex < scroll) scroll = selectedIndex;
    if (selectedIndex >= scroll + room) scroll = selectedIndex - room + 1;
    scroll = Math.max(0, Math.min(scroll, Math.max(0, rows.length - room)));
  };

  const draw = (): void => {
    if (restored) return;
    if (message && Date.now() > messageUntil && mode === "list") message = null;
    const model: ViewModel = { snapshot, rows, tree, sort, filter, selectedIndex, scroll, mode, prompt, message, details };
    writer.draw(buildFrame(model, size(), caps));
  };

  const loadDetails = async (): Promise<void> => {
    if (details === null) return;
    const token = ++detailsToken;
    const { pid, tab, startTimeTicks } = details;
    const { detailLines } = await import("../../live/details.js");
    let lines: string[];
    let banner: string | null = null;
    try {
      if (!sameProcess(pid, startTimeTicks)) throw new ProcessGone(pid);
      lines = (await detailLines(context, pid, tab as DetailsTab)).map(escapeControl);
    } catch (error) {
      if (!(error instanceof ProcError)) throw error;
      banner = error instanceof ProcessGone ? `process ${pid} exited; showing what was read before` : error.message;
      lines = [...(details?.lines ?? [])];
    }
    if (details === null || token !== detailsToken || restored) return;
    details = { ...details, lines, banner };
    draw();
  };

  const sameProcess = (pid: number, startTimeTicks: number): boolean => {
    try {
      return context.procFs.parse(`${pid}/stat`, parsePidStat).startTimeTicks === startTimeTicks;
    } catch {
      return false;
    }
  };

  const tick = (): void => {
    if (restored) return;
    try {
      snapshot = sampler.sample();
      recompute();
      draw();
      if (mode === "details" && details !== null && details.banner === null && (details.tab === 0 || details.tab === 1))
        loadDetails().catch(finish);
    } catch (error) {
      finish(error);
      return;
    }
    timer = setTimeout(tick, options.intervalMs);
  };

  const selectedProcess = (): SampledProcess | undefined => rows[selectedIndex]?.process;

  const move = (delta: number): void => {
    selectedIndex = Math.max(0, Math.min(rows.length - 1, selectedIndex + delta));
    selectedKey = rows[selectedIndex] ? keyOf((rows[selectedIndex] as TreeRow).process) : null;
    recompute();
  };

  const setSort = (key: string): void => {
    sort = key;
    recompute();
  };

  const act = (): void => {
    if (target === null) return;
    const t = target;
    if (!sameProcess(t.pid, t.startTimeTicks)) {
      setMessage(`process ${t.pid} (${t.comm}) exited: nothing was done`, true);
      return;
    }
    try {
      if (pendingSignal !== null) {
        process.kill(t.pid, pendingSignal.number);
        setMessage(`sent ${pendingSignal.name} to ${t.pid} (${t.comm})`);
      } else if (pendingNice !== null) {
        os.setPriority(t.pid, pendingNice);
        setMessage(`set the nice value of ${t.pid} (${t.comm}) to ${pendingNice}`);
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "";
      const why = code === "EPERM" || code === "EACCES" ? "permission denied" : code === "ESRCH" ? "it exited" : (error as Error).message;
      setMessage(`cannot ${pendingSignal ? `send ${pendingSignal.name} to` : "renice"} ${t.pid}: ${why}`, true);
    }
  };

  const promptLine = (): void => {
    const t = target;
    if (mode === "filter") prompt = `Filter: ${escapeControl(inputText)}_   (Enter keep, Esc clear)`;
    else if (mode === "signal" && t)
      prompt = `Signal for ${t.pid} (${escapeControl(t.comm)}): ${escapeControl(inputText)}_   (name or number, Enter, Esc cancels)`;
    else if (mode === "renice" && t)
      prompt = `Nice value for ${t.pid} (${escapeControl(t.comm)}, now ${t.nice}), -20..19: ${escapeControl(inputText)}_   (Esc cancels)`;
    else if (mode === "confirm" && t)
      prompt =
        pendingSignal !== null
          ? `Send ${pendingSignal.name} to ${t.pid} (${escapeControl(t.comm)})? [y/N]`
          : `Set the nice value of ${t.pid} (${escapeControl(t.comm)}) to ${pendingNice}? [y/N]`;
  };

  const onKeypress = (str: string | undefined, key: readline.Key | undefined): void => {
    try {
      handleKey(str ?? "", key ?? {});
      if (!restored) draw();
    } catch (error) {
      finish(error);
    }
  };

  const handleKey = (str: string, key: readline.Key): void => {
    const name = key.name ?? "";
    if (key.ctrl && name === "c") {
      finish();
      return;
    }
    if (key.ctrl && name === "l") {
      writer.invalidate();
      output.write("\x1b[2J");
      return;
    }
    if (mode === "filter" || mode === "signal" || mode === "renice") {
      if (name === "escape") {
        if (mode === "filter") filter = "";
        mode = "list";
      } else if (name === "return" || name === "enter") {
        if (mode === "filter") mode = "list";
        else if (mode === "signal") {
          const signal = parseSignal(inputText);
          if (signal === null) {
            setMessage(`unknown signal "${inputText}": use a name like TERM, KILL, HUP, STOP or a number`, true);
            mode = "list";
          } else {
            pendingSignal = signal;
            pendingNice = null;
            mode = "confirm";
          }
        } else {
          const value = Number(inputText.trim());
          if (!/^[+-]?\d+$/.test(inputText.trim()) || value < -20 || value > 19) {
            setMessage(`nice value must be a whole number from -20 to 19, got "${inputText}"`, true);
            mode = "list";
          } else {
            pendingNice = value;
            pendingSignal = null;
            mode = "confirm";
          }
        }
      } else if (name === "backspace") inputText = inputText.slice(0, -1);
      else if (str.length === 1 && str >= " " && str !== "\x7f") inputText += str;
      if (mode === "filter") {
        filter = mode === "filter" ? inputText : filter;
        recompute();
      }
      promptLine();
      return;
    }
    if (mode === "confirm") {
      if (str === "y" || str === "Y") act();
      else setMessage("cancelled");
      mode = "list";
      pendingSignal = null;
      pendingNice = null;
      return;
    }
    if (mode === "help") {
      mode = "list";
      return;
    }
    if (mode === "details" && details !== null) {
      const room = size().rows - 3;
      if (name === "escape" || str === "q" || name === "left" || name === "backspace") {
        mode = "list";
        details = null;
        detailsToken++;
      } else if (str >= "1" && str <= "4") {
        details = { ...details, tab: Number(str) - 1, scroll: 0, lines: ["loading..."] };
        loadDetails().catch(finish);
      } else if (name === "tab") {
        details = { ...details, tab: (details.tab + 1) % 4, scroll: 0, lines: ["loading..."] };
        loadDetails().catch(finish);
      } else if (name === "down") details = { ...details, scroll: Math.min(Math.max(0, details.lines.length - room), details.scroll + 1) };
      else if (name === "up") details = { ...details, scroll: Math.max(0, details.scroll - 1) };
      else if (name === "pagedown")
        details = { ...details, scroll: Math.min(Math.max(0, details.lines.length - room), details.scroll + room) };
      else if (name === "pageup") details = { ...details, scroll: Math.max(0, details.scroll - room) };
      else if (name === "home") details = { ...details, scroll: 0 };
      return;
    }
    // list mode
    const room = visibleRows(size(), snapshot?.cpuCount ?? 1);
    if (str === "q" || name === "f10") {
      finish();
      return;
    }
    if (name === "up") move(-1);
    else if (name === "down") move(1);
    else if (name === "pageup") move(-room);
    else if (name === "pagedown") move(room);
    else if (name === "home") move(-rows.length);
    else if (name === "end") move(rows.length);
    else if (str === "h" || str === "?" || name === "f1") mode = "help";
    else if (str === "/" || name === "f3" || name === "f4") {
      mode = "filter";
      inputText = filter;
      promptLine();
    } else if (str === "t" || name === "f5") {
      tree = !tree;
      recompute();
    } else if (str === "<" || str === ">" || str === "," || str === ".") {
      const current = SORT_ORDER.indexOf(sort.replace(/^[-+]/, ""));
      const step = str === "<" || str === "," ? -1 : 1;
      setSort(SORT_ORDER[(current + step + SORT_ORDER.length) % SORT_ORDER.length] as string);
    } else if (str === "P") setSort("cpu");
    else if (str === "M") setSort("mem");
    else if (str === "T") setSort("time");
    else if (str === "N") setSort("pid");
    else if (str === "U") setSort("user");
    else if (str === "I") setSort(`${isDescending(sort) ? "+" : "-"}${sort.replace(/^[-+]/, "")}`);
    else if (str === "k" || str === "K" || name === "f9" || str === "n" || str === "]" || str === "[" || name === "f7" || name === "f8") {
      const p = selectedProcess();
      if (p === undefined) {
        setMessage("no process selected", true);
        return;
      }
      target = { pid: p.pid, startTimeTicks: p.startTimeTicks, comm: p.comm, nice: p.nice };
      if (str === "k" || str === "K" || name === "f9") {
        mode = "signal";
        inputText = "TERM";
      } else {
        mode = "renice";
        inputText = String(
          str === "]" || name === "f8" ? Math.min(19, p.nice + 1) : str === "[" || name === "f7" ? Math.max(-20, p.nice - 1) : p.nice,
        );
      }
      promptLine();
    } else if (name === "return" || name === "enter" || name === "right") {
      const p = selectedProcess();
      if (p === undefined) return;
      mode = "details";
      details = {
        pid: p.pid,
        startTimeTicks: p.startTimeTicks,
        title: escapeControl(`PID ${p.pid} ${p.comm}`),
        tab: 0,
        lines: ["loading..."],
        scroll: 0,
        banner: null,
      };
      loadDetails().catch(finish);
    }
  };

  const onResize = (): void => {
    writer.invalidate();
    output.write("\x1b[H\x1b[2J");
    recompute();
    draw();
  };

  const done = new Promise<void>((resolve, reject) => {
    finish = (error?: unknown) => {
      restore();
      if (error === undefined) resolve();
      else reject(error);
    };
  });

  readline.emitKeypressEvents(input);
  input.setRawMode(true);
  input.resume();
  input.on("keypress", onKeypress);
  output.on("resize", onResize);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
  process.on("SIGINT", onSignal);
  process.on("exit", onExit);
  output.write(ENTER);
  try {
    // A first picture at once, then rates over a short first interval, then every interval.
    snapshot = sampler.sample();
    recompute();
    draw();
    timer = setTimeout(tick, Math.min(options.intervalMs, 300));
  } catch (error) {
    finish(error);
  }
  return done;
}
