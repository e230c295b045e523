/**
 * Screen building blocks for the terminal UI: styled spans, display width, lines fitted to the
 * terminal, and a writer that redraws only the lines that changed since the last frame.
 * Text from target processes reaches here already passed through escapeControl.
 */

export type Style = "normal" | "header" | "selected" | "dim" | "bold" | "user" | "nice" | "system" | "wait" | "mem" | "swap" | "warn";

export interface Span {
  readonly text: string;
  readonly style?: Style;
}

/** What the terminal can show: colours (unless NO_COLOR) and UTF-8 (else ASCII only). */
export interface Capabilities {
  readonly color: boolean;
  readonly unicode: boolean;
}

/** Reads NO_COLOR (https://no-color.org: any non-empty value) and the locale variables. */
export function capabilitiesFrom(env: Readonly<Record<string, string | undefined>>): Capabilities {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || "";
  return {
    color: !(env.NO_COLOR !== undefined && env.NO_COLOR !== "") && env.TERM !== "dumb",
    unicode: /utf-?8/i.test(locale),
  };
}

const SGR: Readonly<Record<Style, string>> = {
  normal: "",
  header: "\x1b[30;46m",
  selected: "\x1b[30;43m",
  dim: "\x1b[2m",
  bold: "\x1b[1m",
  user: "\x1b[32m",
  nice: "\x1b[34m",
  system: "\x1b[31m",
  wait: "\x1b[90m",
  mem: "\x1b[32m",
  swap: "\x1b[31m",
  warn: "\x1b[1;31m",
};

/** Without colour, only attributes that need none: reverse video for bars of the table, bold. */
const MONO: Readonly<Record<Style, string>> = {
  normal: "",
  header: "\x1b[7m",
  selected: "\x1b[7m",
  dim: "",
  bold: "\x1b[1m",
  user: "",
  nice: "",
  system: "",
  wait: "",
  mem: "",
  swap: "",
  warn: "\x1b[1m",
};

/** Columns a code point takes: 0 for combining marks, 2 for East Asian wide and emoji, else 1. */
function charWidth(code: number): number {
  if ((code >= 0x300 && code <= 0x36f) || (code >= 0x200b && code <= 0x200f) || code === 0xfe0f) return 0;
  if (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  )
    return 2;
  return 1;
}

/** Display width of text (after escapeControl, so no control characters). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch.codePointAt(0) as number);
  return width;
}

/** Cuts text to at most `width` columns. Non-ASCII becomes "?" when the terminal is not UTF-8. */
export function fitText(text: string, width: number, unicode: boolean): string {
  let out = "";
  let used = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    const c = !unicode && code > 0x7e ? "?" : ch;
    const w = c === "?" ? 1 : charWidth(code);
    if (used + w > width) break;
    out += c;
    used += w;
  }
  return out;
}

/** A line of spans cut or padded to exactly `width` columns, the padding in `fill`'s style. */
export function fitLine(spans: readonly Span[], width: number, unicode: boolean, fill: Style = "normal"): Span[] {
  const out: Span[] = [];
  let used = 0;
  for (const span of spans) {
    if (used >= width) break;
    const text = fitText(span.text, width - used, unicode);
    if (text === "") continue;
    used += displayWidth(text);
    out.push(span.style === undefined ? { text } : { text, style: span.style });
  }
  if (used < width) out.push({ text: " ".repeat(width - used), style: fill });
  return out;
}

/** Spans to an escape-sequence string (each span resets the style after itself). */
export function toAnsi(spans: readonly Span[], caps: Capabilities): string {
  const table = caps.color ? SGR : MONO;
  let out = "";
  for (const span of spans) {
    const sgr = table[span.style ?? "normal"];
    out += sgr === "" ? span.text : `${sgr}${span.text}\x1b[0m`;
  }
  return out;
}

/** Plain text of a line, for tests and for comparing frames. */
export function plainText(spans: readonly Span[]): string {
  return spans.map((s) => s.text).join("");
}

/**
 * Keeps the last frame and writes only lines that differ: a cursor move, the line, and no
 * clear-to-end (every line is padded to the full width, so it overwrites what was there).
 */
export class FrameWriter {
  private previous: string[] = [];

  constructor(private readonly write: (text: string) => void) {}

  /** Forget the last frame (after a resize or a clear), so the next draw repaints everything. */
  invalidate(): void {
    this.previous = [];
  }

  draw(lines: readonly string[]): number {
    let out = "";
    let changed = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (this.previous[i] === line) continue;
      out += `\x1b[${i + 1};1H${line}`;
      changed++;
    }
    if (lines.length < this.previous.length) out += `\x1b[${lines.length + 1};1H\x1b[J`;
    this.previous = [...lines];
    if (out !== "") this.write(out);
    return changed;
  }
}
