/**
 * The state of interactive `top` and the one pure function that changes it:
 * `reduceTop(state, event) → state`. No terminal, no clock, no /proc: events carry the time and
 * the samples; what must happen outside (quit, clear the screen, load the details pane, send a
 * signal) is requested through fields of the state that the controller (top.ts) acts on.
 */
import { escapeControl } from "../../bytes.js";
import type { SampledProcess, Snapshot } from "../../live/sampler.js";
import { type TreeRow as GenericTreeRow, isDescending, matchesFilter, sortSampled, treeRows } from "../../live/sort.js";
import { type DetailsPane, type Mode, type Size, SORT_ORDER, type ViewModel, visibleRows } from "./top-view.js";

type TreeRow = GenericTreeRow<SampledProcess>;

/** The process a signal or a nice value is for, as it was when chosen. */
export interface Target {
  readonly pid: number;
  readonly startTimeTicks: number;
  readonly comm: string;
  readonly nice: number;
}

/** What the controller is asked to do to `target`; it answers with a "message" event. */
export type TopAction =
  | { readonly kind: "signal"; readonly target: Target; readonly signal: { readonly name: string; readonly number: number } }
  | { readonly kind: "nice"; readonly target: Target; readonly nice: number };

export interface TopState {
  readonly size: Size;
  readonly snapshot: Snapshot | null;
  readonly rows: readonly TreeRow[];
  readonly sort: string;
  readonly filter: string;
  readonly tree: boolean;
  readonly mode: Mode;
  readonly prompt: string;
  readonly inputText: string;
  readonly message: { readonly text: string; readonly warn: boolean; readonly until: number } | null;
  readonly selectedKey: string | null;
  readonly selectedIndex: number;
  readonly scroll: number;
  readonly pendingSignal: { readonly name: string; readonly number: number } | null;
  readonly pendingNice: number | null;
  readonly target: Target | null;
  readonly details: (DetailsPane & { readonly pid: number; readonly startTimeTicks: number }) | null;
  /** Bumped each time the details pane must be (re)loaded; a load answers with this token. */
  readonly detailsToken: number;
  /** Set when the user asked to quit. */
  readonly quit: boolean;
  /** Bumped when the screen must be cleared and drawn whole (Ctrl-L, resize). */
  readonly clearScreen: number;
  /** An action the controller must perform, then answer with a "message" event. */
  readonly action: TopAction | null;
}

export type TopKey = { readonly name?: string; readonly ctrl?: boolean };

export type TopEvent =
  /** A new sample of every process. */
  | { readonly type: "sample"; readonly snapshot: Snapshot; readonly now: number }
  /** A key, as readline's keypress event gives it. */
  | { readonly type: "key"; readonly str: string; readonly key: TopKey; readonly now: number }
  | { readonly type: "resize"; readonly size: Size }
  /** The details pane's lines for load `token`; `lines` null keeps the old ones (with the banner). */
  | { readonly type: "details"; readonly token: number; readonly lines: readonly string[] | null; readonly banner: string | null }
  /** The outcome of `action` (or any note for the user). */
  | { readonly type: "message"; readonly text: string; readonly warn: boolean; readonly now: number };

const MESSAGE_MS = 4000;

/** The state before the first sample. */
export function initialTopState(options: { sort: string; filter: string; tree: boolean; size: Size }): TopState {
  return {
    size: options.size,
    snapshot: null,
    rows: [],
    sort: options.sort,
    filter: options.filter,
    tree: options.tree,
    mode: "list",
    prompt: "",
    inputText: "",
    message: null,
    selectedKey: null,
    selectedIndex: 0,
    scroll: 0,
    pendingSignal: null,
    pendingNice: null,
    target: null,
    details: null,
    detailsToken: 0,
    quit: false,
    clearScreen: 0,
    action: null,
  };
}

/** What buildFrame() draws from `state` at time `now` (a message shows for 4 s in the list). */
export function topViewModel(state: TopState, now: number): ViewModel {
  const expired = state.message !== null && now > state.message.until && state.mode === "list";
  const message = state.message === null || expired ? null : { text: state.message.text, warn: state.message.warn };
  const { snapshot, rows, tree, sort, filter, selectedIndex, scroll, mode, prompt, details } = state;
  return { snapshot, rows, tree, sort, filter, selectedIndex, scroll, mode, prompt, message, details };
}

/** True when the details pane shows a tab that changes with every sample (summary, threads). */
export function detailsFollowSamples(state: TopState): boolean {
  return state.mode === "details" && state.details !== null && state.details.banner === null && state.details.tab <= 1;
}

/** Signal names as kill -l gives them, from a table of name → number (os.constants.signals). */
export function parseSignal(text: string, signals: Readonly<Record<string, number>>): { name: string; number: number } | null {
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

/** The one way `top`'s state changes. `signals` maps names to numbers (for the k prompt). */
export function reduceTop(state: TopState, event: TopEvent, signals: Readonly<Record<string, number>> = {}): TopState {
  switch (event.type) {
    case "sample": {
      const next = recompute({ ...state, snapshot: event.snapshot }, event.now);
      return detailsFollowSamples(next) ? { ...next, detailsToken: next.detailsToken + 1 } : next;
    }
    case "resize":
      return recompute({ ...state, size: event.size, clearScreen: state.clearScreen + 1 }, 0);
    case "details":
      if (state.details === null || event.token !== state.detailsToken) return state;
      return { ...state, details: { ...state.details, lines: event.lines ?? state.details.lines, banner: event.banner } };
    case "message":
      return { ...state, action: null, message: message(event.text, event.warn, event.now) };
    case "key":
      return reduceKey(state, event.str, event.key, event.now, signals);
  }
}

const keyOf = (p: { pid: number; startTimeTicks: number }) => `${p.pid}:${p.startTimeTicks}`;

function message(text: string, warn: boolean, now: number): TopState["message"] {
  return { text: escapeControl(text), warn, until: now + MESSAGE_MS };
}

/** Rows from the snapshot, filter, sort and tree; keeps the selection on the same process. */
function recompute(state: TopState, now: number): TopState {
  const processes = state.snapshot?.processes ?? [];
  const shown = state.filter === "" ? processes : processes.filter((p) => matchesFilter(p, state.filter));
  const rows = state.tree
    ? treeRows(shown, state.sort)
    : sortSampled(shown, state.sort).map((process) => ({ process, depth: 0, lastFlags: [] as boolean[] }));
  let { selectedIndex, selectedKey, message: note } = state;
  if (selectedKey !== null) {
    const key = selectedKey;
    const index = rows.findIndex((r) => keyOf(r.process) === key);
    if (index >= 0) selectedIndex = index;
    else {
      if (!processes.some((p) => keyOf(p) === key)) note = message(`process ${key.split(":")[0]} exited`, true, now);
      selectedKey = null;
    }
  }
  selectedIndex = Math.max(0, Math.min(selectedIndex, rows.length - 1));
  const selected = rows[selectedIndex];
  selectedKey = selected ? keyOf(selected.process) : null;
  const room = visibleRows(state.size, state.snapshot?.cpuCount ?? 1);
  let scroll = state.scroll;
  if (selectedIndex < scroll) scroll = selectedIndex;
  if (selectedIndex >= scroll + room) scroll = selectedIndex - room + 1;
  scroll = Math.max(0, Math.min(scroll, Math.max(0, rows.length - room)));
  return { ...state, rows, selectedIndex, selectedKey, scroll, message: note };
}

function promptLine(state: TopState): string {
  const t = state.target;
  const input = escapeControl(state.inputText);
  if (state.mode === "filter") return `Filter: ${input}_   (Enter keep, Esc clear)`;
  if (t === null) return state.prompt;
  const comm = escapeControl(t.comm);
  if (state.mode === "signal") return `Signal for ${t.pid} (${comm}): ${input}_   (name or number, Enter, Esc cancels)`;
  if (state.mode === "renice") return `Nice value for ${t.pid} (${comm}, now ${t.nice}), -20..19: ${input}_   (Esc cancels)`;
  if (state.mode === "confirm")
    return state.pendingSignal !== null
      ? `Send ${state.pendingSignal.name} to ${t.pid} (${comm})? [y/N]`
      : `Set the nice value of ${t.pid} (${comm}) to ${state.pendingNice}? [y/N]`;
  return state.prompt;
}

const withPrompt = (state: TopState): TopState => ({ ...state, prompt: promptLine(state) });

function move(state: TopState, delta: number, now: number): TopState {
  const selectedIndex = Math.max(0, Math.min(state.rows.length - 1, state.selectedIndex + delta));
  const row = state.rows[selectedIndex];
  return recompute({ ...state, selectedIndex, selectedKey: row ? keyOf(row.process) : null }, now);
}

function loadDetails(state: TopState, details: NonNullable<TopState["details"]>): TopState {
  return { ...state, details, detailsToken: state.detailsToken + 1 };
}

function reduceKey(state: TopState, str: string, key: TopKey, now: number, signals: Readonly<Record<string, number>>): TopState {
  const name = key.name ?? "";
  if (key.ctrl && name === "c") return { ...state, quit: true };
  if (key.ctrl && name === "l") return { ...state, clearScreen: state.clearScreen + 1 };
  const mode = state.mode;

  if (mode === "filter" || mode === "signal" || mode === "renice") {
    let next = state;
    if (name === "escape") next = { ...next, mode: "list", filter: mode === "filter" ? "" : next.filter };
    else if (name === "return" || name === "enter") {
      if (mode === "filter") next = { ...next, mode: "list" };
      else if (mode === "signal") {
        const signal = parseSignal(next.inputText, signals);
        next =
          signal === null
            ? {
                ...next,
                mode: "list",
                message: message(`unknown signal "${next.inputText}": use a name like TERM, KILL, HUP, STOP or a number`, true, now),
              }
            : { ...next, pendingSignal: signal, pendingNice: null, mode: "confirm" };
      } else {
        const text = next.inputText.trim();
        const value = Number(text);
        next =
          !/^[+-]?\d+$/.test(text) || value < -20 || value > 19
            ? {
                ...next,
                mode: "list",
                message: message(`nice value must be a whole number from -20 to 19, got "${next.inputText}"`, true, now),
              }
            : { ...next, pendingNice: value, pendingSignal: null, mode: "confirm" };
      }
    } else if (name === "backspace") next = { ...next, inputText: next.inputText.slice(0, -1) };
    else if (str.length === 1 && str >= " " && str !== "\x7f") next = { ...next, inputText: next.inputText + str };
    if (next.mode === "filter") next = recompute({ ...next, filter: next.inputText }, now);
    else if (mode === "filter") next = recompute(next, now);
    return withPrompt(next);
  }

  if (mode === "confirm") {
    const t = state.target;
    let action: TopAction | null = null;
    if ((str === "y" || str === "Y") && t !== null) {
      if (state.pendingSignal !== null) action = { kind: "signal", target: t, signal: state.pendingSignal };
      else if (state.pendingNice !== null) action = { kind: "nice", target: t, nice: state.pendingNice };
    }
    return {
      ...state,
      mode: "list",
      pendingSignal: null,
      pendingNice: null,
      action,
      message: action === null ? message("cancelled", false, now) : state.message,
    };
  }

  if (mode === "help") return { ...state, mode: "list" };

  if (mode === "details" && state.details !== null) {
    const details = state.details;
    const room = state.size.rows - 3;
    const bottom = Math.max(0, details.lines.length - room);
    if (name === "escape" || str === "q" || name === "left" || name === "backspace")
      return { ...state, mode: "list", details: null, detailsToken: state.detailsToken + 1 };
    if (str >= "1" && str <= "4") return loadDetails(state, { ...details, tab: Number(str) - 1, scroll: 0, lines: ["loading..."] });
    if (name === "tab") return loadDetails(state, { ...details, tab: (details.tab + 1) % 4, scroll: 0, lines: ["loading..."] });
    const scroll =
      name === "down"
        ? Math.min(bottom, details.scroll + 1)
        : name === "up"
          ? Math.max(0, details.scroll - 1)
          : name === "pagedown"
            ? Math.min(bottom, details.scroll + room)
            : name === "pageup"
              ? Math.max(0, details.scroll - room)
              : name === "home"
                ? 0
                : details.scroll;
    return scroll === details.scroll ? state : { ...state, details: { ...details, scroll } };
  }

  // The list.
  const room = visibleRows(state.size, state.snapshot?.cpuCount ?? 1);
  const setSort = (sort: string): TopState => recompute({ ...state, sort }, now);
  if (str === "q" || name === "f10") return { ...state, quit: true };
  if (name === "up") return move(state, -1, now);
  if (name === "down") return move(state, 1, now);
  if (name === "pageup") return move(state, -room, now);
  if (name === "pagedown") return move(state, room, now);
  if (name === "home") return move(state, -state.rows.length, now);
  if (name === "end") return move(state, state.rows.length, now);
  if (str === "h" || str === "?" || name === "f1") return { ...state, mode: "help" };
  if (str === "/" || name === "f3" || name === "f4") return withPrompt({ ...state, mode: "filter", inputText: state.filter });
  if (str === "t" || name === "f5") return recompute({ ...state, tree: !state.tree }, now);
  if (str === "<" || str === ">" || str === "," || str === ".") {
    const current = SORT_ORDER.indexOf(state.sort.replace(/^[-+]/, ""));
    const step = str === "<" || str === "," ? -1 : 1;
    return setSort(SORT_ORDER[(current + step + SORT_ORDER.length) % SORT_ORDER.length] as string);
  }
  const sortKeys: Record<string, string> = { P: "cpu", M: "mem", T: "time", N: "pid", U: "user" };
  if (sortKeys[str] !== undefined) return setSort(sortKeys[str] as string);
  if (str === "I") return setSort(`${isDescending(state.sort) ? "+" : "-"}${state.sort.replace(/^[-+]/, "")}`);
  const selected = state.rows[state.selectedIndex]?.process;
  const kill = str === "k" || str === "K" || name === "f9";
  const renice = str === "n" || str === "]" || str === "[" || name === "f7" || name === "f8";
  if (kill || renice) {
    if (selected === undefined) return { ...state, message: message("no process selected", true, now) };
    const target: Target = { pid: selected.pid, startTimeTicks: selected.startTimeTicks, comm: selected.comm, nice: selected.nice };
    const nice =
      str === "]" || name === "f8"
        ? Math.min(19, selected.nice + 1)
        : str === "[" || name === "f7"
          ? Math.max(-20, selected.nice - 1)
          : selected.nice;
    return withPrompt({ ...state, target, mode: kill ? "signal" : "renice", inputText: kill ? "TERM" : String(nice) });
  }
  if ((name === "return" || name === "enter" || name === "right") && selected !== undefined) {
    return loadDetails(
      { ...state, mode: "details" },
      {
        pid: selected.pid,
        startTimeTicks: selected.startTimeTicks,
        title: escapeControl(`PID ${selected.pid} ${selected.comm}`),
        tab: 0,
        lines: ["loading..."],
        scroll: 0,
        banner: null,
      },
    );
  }
  return state;
}
