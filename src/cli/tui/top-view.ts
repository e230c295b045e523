/**
 * The picture of `top`: a pure function from the sampled snapshot and the UI state to the
 * screen's lines. No I/O; the controller (top.ts) owns the terminal and the state changes.
 */
import { escapeControl } from "../../bytes.js";
import type { CpuUsage } from "../../live/rates.js";
import type { SampledProcess, Snapshot } from "../../live/sampler.js";
import { type TreeRow as GenericTreeRow, isDescending } from "../../live/sort.js";
import { commandText, cpuTimeText } from "../../processes/format.js";
import { memPercent, percentText, uptimeText } from "../render/live.js";
import { humanBytes } from "../render/table.js";
import { type Capabilities, displayWidth, fitLine, fitText, type Span, type Style, toAnsi } from "./screen.js";

type TreeRow = GenericTreeRow<SampledProcess>;

export const MIN_COLUMNS = 50;

export type Mode = "list" | "filter" | "help" | "signal" | "confirm" | "renice" | "details";

export interface DetailsPane {
  readonly title: string;
  readonly tab: number;
  readonly lines: readonly string[];
  readonly scroll: number;
  /** Shown in the warning style at the top (e.g. "process 42 exited"). */
  readonly banner: string | null;
}

export interface ViewModel {
  readonly snapshot: Snapshot | null;
  /** Rows to show, in order (already filtered and sorted, or in tree order). */
  readonly rows: readonly TreeRow[];
  readonly tree: boolean;
  readonly sort: string;
  readonly filter: string;
  readonly selectedIndex: number;
  readonly scroll: number;
  readonly mode: Mode;
  /** The prompt line while a prompt mode is active (filter, signal, renice, confirm). */
  readonly prompt: string;
  readonly message: { readonly text: string; readonly warn: boolean } | null;
  readonly details: DetailsPane | null;
}

export interface Size {
  readonly columns: number;
  readonly rows: number;
}

export const TABLE_COLUMNS: readonly { key: string; header: string; width: number; right: boolean }[] = [
  { key: "pid", header: "PID", width: 7, right: true },
  { key: "user", header: "USER", width: 9, right: false },
  { key: "priority", header: "PRI", width: 3, right: true },
  { key: "nice", header: "NI", width: 3, right: true },
  { key: "vsz", header: "VIRT", width: 6, right: true },
  { key: "rss", header: "RES", width: 6, right: true },
  { key: "state", header: "S", width: 1, right: false },
  { key: "cpu", header: "CPU%", width: 5, right: true },
  { key: "mem", header: "MEM%", width: 5, right: true },
  { key: "time", header: "TIME+", width: 8, right: true },
  { key: "command", header: "Command", width: 0, right: false },
];

/** Columns `<` and `>` step through, in screen order. */
export const SORT_ORDER: readonly string[] = TABLE_COLUMNS.map((c) => c.key);

/** Lines the header takes for a given width and CPU count. */
export function headerHeight(columns: number, cpuCount: number): number {
  return Math.ceil(Math.max(1, cpuCount) / cpuColumns(columns)) + 3;
}

function cpuColumns(columns: number): number {
  return Math.max(1, Math.min(4, Math.floor(columns / 38)));
}

/** Minimum rows: the header, the table heading, three process rows, and the footer. */
export function minimumRows(columns: number, cpuCount: number): number {
  return headerHeight(columns, cpuCount) + 5;
}

/** Rows of processes that fit under the header. */
export function visibleRows(size: Size, cpuCount: number): number {
  return Math.max(1, size.rows - headerHeight(size.columns, cpuCount) - 3);
}

interface Segment {
  readonly percent: number;
  readonly style: Style;
}

/** A bar "label[|||||     12.3%]" of exactly `width` columns. */
export function bar(label: string, segments: readonly Segment[], text: string, width: number, caps: Capabilities): Span[] {
  const inner = Math.max(1, width - label.length - 2);
  const cells: { ch: string; style: Style }[] = [];
  const eighthsTotal = inner * 8;
  // Cumulative boundaries, so a partial block appears only at the end of the whole bar.
  const ends: { end: number; style: Style }[] = [];
  let sum = 0;
  for (const segment of segments) {
    sum += Math.max(0, segment.percent);
    ends.push({ end: Math.min(eighthsTotal, Math.round((sum / 100) * eighthsTotal)), style: segment.style });
  }
  const filled = ends.length === 0 ? 0 : (ends[ends.length - 1] as { end: number }).end;
  for (let c = 0; c < inner; c++) {
    const fill = Math.max(0, Math.min(8, filled - c * 8));
    const style = ends.find((e) => e.end > c * 8 + Math.min(fill, 8) / 2)?.style ?? "normal";
    if (fill === 0 || (!caps.unicode && fill < 4)) cells.push({ ch: " ", style: "normal" });
    else if (fill === 8 || !caps.unicode) cells.push({ ch: caps.unicode ? "\u2588" : "|", style });
    else cells.push({ ch: String.fromCodePoint(0x2590 - fill), style }); // U+258F..U+2589: 1/8..7/8 left blocks
  }
  const shown = text.slice(-inner);
  for (let i = 0; i < shown.length; i++) cells[inner - shown.length + i] = { ch: shown[i] as string, style: "dim" };
  const spans: Span[] = [{ text: label, style: "bold" }, { text: "[" }];
  for (const cell of cells) {
    const last = spans[spans.length - 1] as Span;
    if (last.style === cell.style && spans.length > 2) spans[spans.length - 1] = { text: last.text + cell.ch, style: cell.style };
    else spans.push({ text: cell.ch, style: cell.style });
  }
  spans.push({ text: "]" });
  return spans;
}

function cpuBar(usage: CpuUsage | undefined, label: string, width: number, caps: Capabilities): Span[] {
  if (usage === undefined) return bar(label, [], "-", width, caps);
  return bar(
    label,
    [
      { percent: usage.nicePercent, style: "nice" },
      { percent: usage.userPercent, style: "user" },
      { percent: usage.systemPercent + usage.stealPercent, style: "system" },
      { percent: usage.iowaitPercent, style: "wait" },
    ],
    `${usage.busyPercent.toFixed(1)}%`,
    width,
    caps,
  );
}

function headerLines(snapshot: Snapshot | null, size: Size, caps: Capabilities): Span[][] {
  const lines: Span[][] = [];
  const cpuCount = snapshot?.cpuCount ?? 1;
  const perLine = cpuColumns(size.columns);
  const cellWidth = Math.floor(size.columns / perLine);
  const labelWidth = String(Math.max(0, cpuCount - 1)).length + 1;
  for (let row = 0; row < Math.ceil(Math.max(1, cpuCount) / perLine); row++) {
    const line: Span[] = [];
    for (let col = 0; col < perLine; col++) {
      const n = row * perLine + col;
      if (n >= cpuCount) break;
      const usage = snapshot?.cpus.find((c) => c.cpu === n);
      line.push(...cpuBar(usage, String(n).padStart(labelWidth), cellWidth - 1, caps), { text: " " });
    }
    lines.push(line);
  }
  const half = Math.floor(size.columns / 2);
  const memory = snapshot?.memory ?? null;
  const memPct = memory && memory.totalBytes > 0 ? (memory.usedBytes / memory.totalBytes) * 100 : 0;
  const swapTotal = memory?.swapTotalBytes ?? 0;
  const swapUsed = memory?.swapUsedBytes ?? 0;
  lines.push([
    ...bar(
      "Mem",
      [{ percent: memPct, style: "mem" }],
      memory ? `${humanBytes(memory.usedBytes)}/${humanBytes(memory.totalBytes)}` : "-",
      half - 1,
      caps,
    ),
    { text: " " },
    ...bar(
      "Swp",
      [{ percent: swapTotal > 0 ? (swapUsed / swapTotal) * 100 : 0, style: "swap" }],
      `${humanBytes(swapUsed)}/${humanBytes(swapTotal)}`,
      half - 1,
      caps,
    ),
  ]);
  const tasks = snapshot?.tasks;
  const load = snapshot?.load;
  lines.push([
    { text: "Tasks: ", style: "bold" },
    { text: tasks ? `${tasks.total}, ${tasks.threads} thr, ${tasks.kernelThreads} kthr; ${tasks.running} running` : "-" },
    { text: "   Load average: ", style: "bold" },
    { text: load ? `${load.load1.toFixed(2)} ${load.load5.toFixed(2)} ${load.load15.toFixed(2)}` : "-" },
    { text: "   Uptime: ", style: "bold" },
    { text: snapshot ? uptimeText(snapshot.uptimeSeconds) : "-" },
  ]);
  lines.push([]);
  return lines;
}

function cell(text: string, width: number, right: boolean): string {
  const cut = text.length > width ? text.slice(0, width) : text;
  return right ? cut.padStart(width) : cut.padEnd(width);
}

function treePrefix(row: TreeRow, caps: Capabilities): string {
  if (row.depth === 0) return "";
  const [pipe, tee, corner] = caps.unicode ? ["\u2502 ", "\u251c\u2500", "\u2514\u2500"] : ["| ", "|-", "`-"];
  let prefix = "";
  for (let i = 0; i < row.lastFlags.length - 1; i++) prefix += row.lastFlags[i] ? "  " : pipe;
  return prefix + (row.lastFlags[row.lastFlags.length - 1] ? corner : tee);
}

function processLine(p: SampledProcess, row: TreeRow, snapshot: Snapshot | null, tree: boolean, caps: Capabilities): string {
  const values: Record<string, string> = {
    pid: String(p.pid),
    user: escapeControl(p.user ?? (p.uid === null ? "?" : String(p.uid))),
    priority: String(p.priority),
    nice: String(p.nice),
    vsz: humanBytes(p.vszBytes),
    rss: humanBytes(p.rssBytes),
    state: p.state,
    cpu: percentText(p.recentCpuPercent),
    mem: snapshot ? percentText(memPercent(p, snapshot)) : "-",
    time: cpuTimeText(p.cpuSeconds),
    command: (tree ? treePrefix(row, caps) : "") + escapeControl(commandText(p)),
  };
  return TABLE_COLUMNS.map((c) => (c.width === 0 ? (values[c.key] as string) : cell(values[c.key] as string, c.width, c.right))).join(" ");
}

function tableHeading(sort: string, tree: boolean, caps: Capabilities): string {
  const key = sort.replace(/^[-+]/, "");
  const arrow = isDescending(sort) ? (caps.unicode ? "\u25bc" : "v") : caps.unicode ? "\u25b2" : "^";
  return TABLE_COLUMNS.map((c) => {
    const title = c.key === key ? `${c.header}${arrow}` : c.header;
    const text = c.key === "command" && tree ? `${title} (tree)` : title;
    return c.width === 0 ? text : cell(text, Math.max(c.width, text.length), c.right).slice(-Math.max(c.width, text.length));
  }).join(" ");
}

const HINTS: readonly [string, string][] = [
  ["h", "Help"],
  ["/", "Filter"],
  ["<>", "Sort"],
  ["t", "Tree"],
  ["Enter", "Details"],
  ["k", "Kill"],
  ["n", "Nice"],
  ["q", "Quit"],
];

function footer(model: ViewModel): Span[] {
  if (model.mode === "filter" || model.mode === "signal" || model.mode === "renice" || model.mode === "confirm") {
    return [{ text: model.prompt, style: "bold" }];
  }
  if (model.message) return [{ text: model.message.text, style: model.message.warn ? "warn" : "bold" }];
  const spans: Span[] = [];
  for (const [key, what] of HINTS) spans.push({ text: key, style: "bold" }, { text: `${what} `, style: "header" });
  if (model.filter !== "") spans.push({ text: ` filter: ${escapeControl(model.filter)}`, style: "bold" });
  return spans;
}

export const HELP_TEXT: readonly string[] = [
  "procscope top: keys",
  "",
  "  Up/Down, PgUp/PgDn, Home/End   move the selection",
  "  Enter                          details of the selected process (1-4 switch tabs, Esc back)",
  "  /                              filter by command, name, user or PID (Enter keeps, Esc clears)",
  "  < >                            sort by the previous / next column",
  "  P M T N U                      sort by CPU%, MEM%, TIME, PID, USER",
  "  I                              invert the sort order",
  "  t                              tree view on/off",
  "  k                              send a signal (asks which, then asks to confirm)",
  "  n                              renice (asks the value, then asks to confirm)",
  "  q, Ctrl-C, F10                 quit",
  "",
  "Press any key to go back.",
];

function tooSmall(size: Size, need: Size): string[] {
  const text = [
    `Terminal too small: ${size.columns}x${size.rows}.`,
    `procscope top needs at least ${need.columns}x${need.rows}.`,
    "Enlarge the window or press q.",
  ];
  return text
    .map((t) => fitText(t, size.columns, false).padEnd(size.columns))
    .concat(Array(Math.max(0, size.rows - text.length)).fill(" ".repeat(size.columns)));
}

/**
 * The whole screen, one string per terminal row (with escape sequences for style).
 * buildFrame(model, { columns: 80, rows: 24 }, { color: false, unicode: false }).length === 24
 */
export function buildFrame(model: ViewModel, size: Size, caps: Capabilities): string[] {
  const cpuCount = model.snapshot?.cpuCount ?? 1;
  const need = { columns: MIN_COLUMNS, rows: minimumRows(size.columns, cpuCount) };
  if (size.columns < need.columns || size.rows < need.rows) return tooSmall(size, need);
  const lines: Span[][] = [];

  if (model.mode === "help") {
    for (const text of HELP_TEXT) lines.push([{ text, style: text === HELP_TEXT[0] ? "bold" : "normal" }]);
  } else if (model.mode === "details" && model.details) {
    const d = model.details;
    const tabs = ["Summary", "Threads", "Files", "Memory"];
    lines.push([
      { text: d.title, style: "bold" },
      { text: "  " },
      ...tabs.flatMap((t, i): Span[] => [{ text: `[${i + 1}]${t}`, style: i === d.tab ? "selected" : "normal" }, { text: " " }]),
      { text: " Esc back", style: "dim" },
    ]);
    if (d.banner !== null) lines.push([{ text: d.banner, style: "warn" }]);
    const room = size.rows - lines.length - 1;
    for (const text of d.lines.slice(d.scroll, d.scroll + room)) lines.push([{ text }]);
  } else {
    lines.push(...headerLines(model.snapshot, size, caps));
    lines.push([{ text: tableHeading(model.sort, model.tree, caps), style: "header" }]);
    const room = visibleRows(size, cpuCount);
    const shown = model.rows.slice(model.scroll, model.scroll + room);
    shown.forEach((row, i) => {
      const text = processLine(row.process, row, model.snapshot, model.tree, caps);
      lines.push([{ text, style: model.scroll + i === model.selectedIndex ? "selected" : "normal" }]);
    });
    if (model.rows.length === 0)
      lines.push([
        { text: model.filter === "" ? "(no processes)" : `(no process matches "${escapeControl(model.filter)}")`, style: "dim" },
      ]);
  }

  while (lines.length < size.rows - 1) lines.push([]);
  lines.length = size.rows - 1;
  lines.push(footer(model));
  return lines.map((spans, i) => {
    const selected = spans.length === 1 && (spans[0]?.style === "selected" || spans[0]?.style === "header");
    return toAnsi(
      fitLine(spans, size.columns, caps.unicode, selected ? (spans[0]?.style as Style) : i === size.rows - 1 ? "header" : "normal"),
      caps,
    );
  });
}

/** The screen without escape sequences (for tests). */
export function frameText(model: ViewModel, size: Size, caps: Capabilities): string[] {
  return buildFrame(model, size, caps).map((line) => line.replace(/\x1b\[[0-9;]*m/g, ""));
}

export { displayWidth };
