/**
 * JSON output: one document, bigint values as hex strings ("0x7ffd..."), since the bigints we
 * carry are addresses and masks and JSON numbers lose precision above 2^53.
 */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `0x${value.toString(16)}` : value;
}

export function toJson(value: unknown, pretty = true): string {
  return `${JSON.stringify(value, jsonReplacer, pretty ? 2 : undefined)}\n`;
}

/** One line of NDJSON for streaming commands. */
export function toJsonLine(value: unknown): string {
  return `${JSON.stringify(value, jsonReplacer)}\n`;
}
