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
  const batch: unknown[] = [];
  let first = true;
  const flush = () => {
    // A pretty-printed array's elements are already indented for the outer array: keep the
    // text between "[\n" and "\n]\n".
    const text = toJson(batch);
    write(`${first ? "[\n" : ",\n"}${text.slice(2, -3)}`);
    first = false;
    batch.length = 0;
  };
  for (const item of items) {
    batch.push(item);
    if (batch.length === 128) flush();
  }
  if (batch.length > 0) flush();
  write(first ? "[]\n" : "\n]\n");
}

/** One line of NDJSON for streaming commands. */
export function toJsonLine(value: unknown): string {
  return `${JSON.stringify(value, jsonReplacer)}\n`;
}
