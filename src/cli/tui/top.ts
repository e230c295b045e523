/**
 * `procscope top`, interactive: the thin controller around the pure state in top-state.ts. It owns
 * the terminal (alternate screen, raw keys), samples on a timer, feeds keys and samples to
 * reduceTop(), performs what the state asks for (quit, load the details pane, send a signal or
 * renice), and redraws only the lines that changed. The terminal is restored on q, Ctrl-C, F10,
 * SIGTERM, SIGHUP, and on any error (which then reaches main() as one line).
 */
import fs from "node:fs";
import os from "node:os";
import readline from "node:readline";
import type tty from "node:tty";
import { escapeControl } from "../../bytes.js";
import { AccessDenied, ProcError, ProcessGone } from "../../errors.js";
import type { DetailsTab } from "../../live/details.js";
import { createSampler } from "../../live/sampler.js";
import { verifyProcessRef } from "../../model/ref.js";
import type { ProcessContext } from "../../processes/process.js";
import { sendSignal } from "../../processes/signal.js";
import { UsageError } from "../exit.js";
import { capabilitiesFrom, FrameWriter } from "./screen.js";
import {
  initialTopState,
  parseSignal as parseSignalIn,
  reduceTop,
  type TopAction,
  type TopEvent,
  type TopState,
  topViewModel,
} from "./top-state.js";
import { buildFrame } from "./top-view.js";

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
const SIGNALS = os.constants.signals as Readonly<Record<string, number>>;

/** Signal names as kill -l gives them, from Node's table (SIGTERM → 15). */
export function parseSignal(text: string): { name: string; number: number } | null {
  return parseSignalIn(text, SIGNALS);
}

/** Runs the interactive view until the user quits. */
export async function runTopTui(context: ProcessContext, options: TopTuiOptions): Promise<void> {
  const input = options.input ?? (process.stdin as tty.ReadStream);
  const output = options.output ?? (process.stdout as tty.WriteStream);
  if (!input.isTTY) throw new UsageError("top needs a terminal for its keys, and stdin is not one: use `procscope top --once`");
  const caps = capabilitiesFrom(options.env);
  const sampler = createSampler(context);
  const writer = new FrameWriter((text) => output.write(text));
  const size = () => ({ columns: output.columns ?? 80, rows: output.rows ?? 24 });

  let state: TopState = initialTopState({ sort: options.sort, filter: options.filter, tree: options.tree, size: size() });
  let restored = false;
  let timer: NodeJS.Timeout | undefined;
  let finish: (error?: unknown) => void = () => {};

  const draw = (): void => {
    if (!restored) writer.draw(buildFrame(topViewModel(state, Date.now()), state.size, caps));
  };

  /** Applies an event, then does what the new state asks for, then redraws. */
  const dispatch = (event: TopEvent): void => {
    const before = state;
    state = reduceTop(state, event, SIGNALS);
    if (state.quit) {
      finish();
      return;
    }
    if (state.clearScreen !== before.clearScreen) {
      writer.invalidate();
      output.write(event.type === "resize" ? "\x1b[H\x1b[2J" : "\x1b[2J");
    }
    if (state.detailsToken !== before.detailsToken && state.details !== null) loadDetails(state.detailsToken).catch(finish);
    if (state.action !== null && state.action !== before.action) {
      const action = state.action;
      state = reduceTop(state, { type: "message", ...perform(action), now: Date.now() }, SIGNALS);
    }
    draw();
  };

  /** Whether the PID still names the process that was shown (a reused PID is another process). */
  const sameProcess = (pid: number, startTimeTicks: number): boolean => {
    try {
      verifyProcessRef(context.procFs, { pid, startTimeTicks });
      return true;
    } catch (error) {
      if (error instanceof ProcError) return false;
      throw error;
    }
  };

  /**
   * Sends the signal or sets the nice value, if the target is still the process that was chosen:
   * signals go through sendSignal, the library call the HTTP API uses, which refuses a PID that
   * now names another process (test/races/pid-reuse.test.ts makes that happen).
   */
  const perform = (action: TopAction): { text: string; warn: boolean } => {
    const t = action.target;
    try {
      if (action.kind === "signal") {
        sendSignal(context.procFs, t, action.signal.name);
        return { text: `sent ${action.signal.name} to ${t.pid} (${t.comm})`, warn: false };
      }
      if (!sameProcess(t.pid, t.startTimeTicks)) return { text: `process ${t.pid} (${t.comm}) exited: nothing was done`, warn: true };
      os.setPriority(t.pid, action.nice);
      return { text: `set the nice value of ${t.pid} (${t.comm}) to ${action.nice}`, warn: false };
    } catch (error) {
      // "process 42 exited" or "process 42 exited (its PID was reused)": either way nothing was sent.
      if (error instanceof ProcessGone) return { text: `${error.message} (${t.comm}): nothing was done`, warn: true };
      if (error instanceof AccessDenied && action.kind === "signal")
        return { text: `cannot send ${action.signal.name} to ${t.pid}: permission denied`, warn: true };
      const code = (error as NodeJS.ErrnoException).code ?? "";
      const why = code === "EPERM" || code === "EACCES" ? "permission denied" : code === "ESRCH" ? "it exited" : (error as Error).message;
      return { text: `cannot ${action.kind === "signal" ? `send ${action.signal.name} to` : "renice"} ${t.pid}: ${why}`, warn: true };
    }
  };

  const loadDetails = async (token: number): Promise<void> => {
    const details = state.details;
    if (details === null) return;
    const { pid, tab, startTimeTicks } = details;
    const { detailLines } = await import("../../live/details.js");
    let lines: string[] | null;
    let banner: string | null = null;
    try {
      if (!sameProcess(pid, startTimeTicks)) throw new ProcessGone(pid);
      lines = (await detailLines(context, pid, tab as DetailsTab)).map(escapeControl);
    } catch (error) {
      if (!(error instanceof ProcError)) throw error;
      banner = error instanceof ProcessGone ? `process ${pid} exited; showing what was read before` : error.message;
      lines = null;
    }
    if (!restored) dispatch({ type: "details", token, lines, banner });
  };

  const sample = (): void => dispatch({ type: "sample", snapshot: sampler.sample(), now: Date.now() });

  const tick = (): void => {
    if (restored) return;
    try {
      sample();
    } catch (error) {
      finish(error);
      return;
    }
    timer = setTimeout(tick, options.intervalMs);
  };

  const onKeypress = (str: string | undefined, key: readline.Key | undefined): void => {
    try {
      dispatch({ type: "key", str: str ?? "", key: key ?? {}, now: Date.now() });
    } catch (error) {
      finish(error);
    }
  };
  const onResize = (): void => dispatch({ type: "resize", size: size() });

  const restore = (): void => {
    if (restored) return;
    restored = true;
    if (timer) clearTimeout(timer);
    for (const [emitter, event, listener] of listeners()) emitter.removeListener(event, listener);
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
    if (signal === "SIGINT") finish();
    else process.exit(128 + (SIGNALS[signal] ?? 15));
  };

  /** Every listener the screen adds, removed together when it is restored. */
  const listeners = (): [NodeJS.EventEmitter, string, Parameters<NodeJS.EventEmitter["on"]>[1]][] => [
    [input, "keypress", onKeypress],
    [output, "resize", onResize],
    [process, "SIGTERM", onSignal],
    [process, "SIGHUP", onSignal],
    [process, "SIGINT", onSignal],
    [process, "exit", onExit],
  ];

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
  for (const [emitter, event, listener] of listeners()) emitter.on(event, listener);
  output.write(ENTER);
  try {
    // A first picture at once, then rates over a short first interval, then every interval.
    sample();
    timer = setTimeout(tick, Math.min(options.intervalMs, 300));
  } catch (error) {
    finish(error);
  }
  return done;
}
