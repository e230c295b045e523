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

export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[], options: TableOptions = {}): string {
  const cells = rows.map((row) => columns.map((column) => cellText(column.value(row))));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => (line[i] as string).length)));
  const format = (line: readonly string[]): string => {
    const text = line
      .map((cell, i) => {
        const last = i === line.length - 1;
        const column = columns[i] as Column<Row>;
        if (column.align === "right") return cell.padStart(widths[i] as number);
        return last ? cell : cell.padEnd(widths[i] as number);
      })
      .join(" ");
    return options.width !== undefined && text.length > options.width ? text.slice(0, options.width) : text;
  };
  const lines = [format(columns.map((c) => c.header)), ...cells.map(format)];
  return `${lines.join("\n")}\n`;
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
