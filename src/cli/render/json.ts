/**
 * JSON output: one document, bigint values as hex strings ("0x7ffd..."), since the bigints we
 * carry are addresses and masks and JSON numbers lose precision above 2^53.
 */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `0x${value.toString(16)}` : value;
}

export function toJson(value: unknown, pretty = true): string {
  const indent = pretty ? 2 : undefined;
  try {
    // Most documents hold no bigint; without a replacer V8 serializes several times faster.
    return `${JSON.stringify(value, null, indent)}\n`;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return `${JSON.stringify(value, jsonReplacer, indent)}\n`;
  }
}

/**
 * The same text as toJson([...items]), written in pieces as the items come, so a long listing
 * need not be held in memory whole (its objects die young, which the garbage collector likes).
 */
export function writeJsonArray(items: Iterable<unknown>, write: (text: string) => void): void {
  let pending = "";
  let first = true;
  for (const item of items) {
    // An element of a pretty-printed array is the element alone, indented one level deeper.
    pending += `${first ? "[\n  " : ",\n  "}${toJson(item).slice(0, -1).replaceAll("\n", "\n  ")}`;
    first = false;
    if (pending.length >= 64 * 1024) {
      write(pending);
      pending = "";
    }
  }
  write(first ? "[]\n" : `${pending}\n]\n`);
}

/** One line of NDJSON for streaming commands. */
export function toJsonLine(value: unknown): string {
  return `${JSON.stringify(value, jsonReplacer)}\n`;
}
