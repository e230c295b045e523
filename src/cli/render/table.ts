/**
 * Plain-text tables. Every cell is escaped (text from target processes may hold escape
 * sequences); the last column is cut to the terminal width, never in --json.
 */
import { escapeControl } from "../../bytes.js";

export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => string | number | null | undefined;
  readonly align?: "left" | "right";
}

export interface TableOptions {
  /** Cut lines to this many characters (the terminal width). */
  readonly width?: number | undefined;
}

function cellText(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "-";
  return escapeControl(String(value));
}

/** Digits of a non-negative small integer, without making its text. */
function digits(n: number): number {
  let count = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    count++;
  }
  return count;
}

/** Bytes of text handed to `write` at a time by TableBuilder.write. */
const PIECE_CHARS = 64 * 1024;

/**
 * A table filled one row at a time: a long listing can drop each row's objects once its cells are
 * taken, instead of keeping them all until the column widths are known. Cells are kept by column:
 * small integers as numbers (their text is made when the line is written) and strings as they are
 * (escaped only when they need it), so a listing of 50,000 rows keeps a few arrays, not 50,000
 * arrays and 450,000 strings for the collector to copy and promote.
 */
export class TableBuilder<Row> {
  private readonly cells: (string | number)[][];
  private readonly widths: number[];
  private rows = 0;

  constructor(private readonly columns: readonly Column<Row>[]) {
    this.widths = columns.map((column) => column.header.length);
    this.cells = columns.map(() => []);
  }

  add(row: Row): void {
    for (let i = 0; i < this.columns.length; i++) {
      const value = (this.columns[i] as Column<Row>).value(row);
      let cell: string | number;
      let length: number;
      if (typeof value === "number" && value >= 0 && value <= 0x3fffffff && Math.floor(value) === value) {
        cell = value;
        length = digits(value);
      } else {
        cell = cellText(value);
        length = cell.length;
      }
      if (length > (this.widths[i] as number)) this.widths[i] = length;
      (this.cells[i] as (string | number)[]).push(cell);
    }
    this.rows++;
  }

  /** The text of a row, or of the header for row -1. */
  private line(row: number, width: number | undefined): string {
    const last = this.columns.length - 1;
    let text = "";
    for (let i = 0; i <= last; i++) {
      const cell = row < 0 ? (this.columns[i] as Column<Row>).header : String((this.cells[i] as (string | number)[])[row]);
      const columnWidth = this.widths[i] as number;
      if (i > 0) text += " ";
      text +=
        (this.columns[i] as Column<Row>).align === "right" ? cell.padStart(columnWidth) : i === last ? cell : cell.padEnd(columnWidth);
    }
    return width !== undefined && text.length > width ? text.slice(0, width) : text;
  }

  /** Writes the table in pieces of about 64K characters (one string of a long table costs its size twice). */
  write(write: (text: string) => void, options: TableOptions = {}): void {
    let piece = `${this.line(-1, options.width)}\n`;
    for (let row = 0; row < this.rows; row++) {
      piece += `${this.line(row, options.width)}\n`;
      if (piece.length >= PIECE_CHARS) {
        write(piece);
        piece = "";
      }
    }
    if (piece !== "") write(piece);
  }

  render(options: TableOptions = {}): string {
    let out = "";
    this.write((piece) => {
      out += piece;
    }, options);
    return out;
  }
}

export function renderTable<Row>(columns: readonly Column<Row>[], rows: Iterable<Row>, options: TableOptions = {}): string {
  const table = new TableBuilder(columns);
  for (const row of rows) table.add(row);
  return table.render(options);
}

/** "12.3M" style sizes for tables (JSON keeps bytes). */
export function humanBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return "-";
  const units = ["B", "K", "M", "G", "T", "P"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value}B` : `${value < 10 ? value.toFixed(1) : Math.round(value)}${units[unit]}`;
}

/** Key/value block for single-object views. */
export function renderFields(entries: readonly (readonly [string, string | number | null | undefined])[]): string {
  const width = Math.max(...entries.map(([key]) => key.length));
  return `${entries.map(([key, value]) => `${`${key}:`.padEnd(width + 1)} ${cellText(value)}`).join("\n")}\n`;
}
