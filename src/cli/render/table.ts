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

/**
 * A table filled one row at a time: a long listing can drop each row's objects once its cells are
 * taken, instead of keeping them all until the column widths are known.
 */
export class TableBuilder<Row> {
  private readonly lines: string[][] = [];
  private readonly widths: number[];

  constructor(private readonly columns: readonly Column<Row>[]) {
    this.widths = columns.map((column) => column.header.length);
  }

  add(row: Row): void {
    const line: string[] = [];
    for (let i = 0; i < this.columns.length; i++) {
      const text = cellText((this.columns[i] as Column<Row>).value(row));
      if (text.length > (this.widths[i] as number)) this.widths[i] = text.length;
      line.push(text);
    }
    this.lines.push(line);
  }

  render(options: TableOptions = {}): string {
    const last = this.columns.length - 1;
    const format = (line: readonly string[]): string => {
      let text = "";
      for (let i = 0; i <= last; i++) {
        const cell = line[i] as string;
        const width = this.widths[i] as number;
        if (i > 0) text += " ";
        text += (this.columns[i] as Column<Row>).align === "right" ? cell.padStart(width) : i === last ? cell : cell.padEnd(width);
      }
      return options.width !== undefined && text.length > options.width ? text.slice(0, options.width) : text;
    };
    let out = `${format(this.columns.map((column) => column.header))}\n`;
    for (const line of this.lines) out += `${format(line)}\n`;
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
