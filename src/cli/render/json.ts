/**
 * JSON output: one document, bigint values as hex strings ("0x7ffd..."), since the bigints we
 * carry are addresses and masks and JSON numbers lose precision above 2^53.
 */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `0x${value.toString(16)}` : value;
}

function stringify(value: unknown, indent?: number): string | undefined {
  try {
    // Most documents hold no bigint; without a replacer V8 serializes several times faster.
    return JSON.stringify(value, null, indent);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(value, jsonReplacer, indent);
  }
}

export function toJson(value: unknown, pretty = true): string {
  return `${stringify(value, pretty ? 2 : undefined)}\n`;
}

const PIECE_BYTES = 64 * 1024;

/**
 * A long listing as one JSON array with one element per line, written in pieces as the items come,
 * so it need not be held in memory whole (its objects die young, which the garbage collector likes).
 * Compact elements make `lsof --json` about a tenth faster than pretty ones, and a line per element
 * still reads well with grep.
 */
export function writeJsonArray(items: Iterable<unknown>, write: (text: string) => void): void {
  const array = new JsonArrayWriter(write);
  for (const item of items) array.push(item);
  array.end();
}

/**
 * The same array written item by item, for results that arrive asynchronously (search matches,
 * strings): push each item (or its JSON text, already made), then end().
 */
export class JsonArrayWriter {
  private piece = "";
  private first = true;

  constructor(private readonly write: (text: string) => void) {}

  push(item: unknown): void {
    // JSON.stringify gives undefined for undefined (and functions); in an array that is null.
    this.pushJson(stringify(item) ?? "null");
  }

  /** Adds an item given as its JSON text. */
  pushJson(json: string): void {
    this.piece += `${this.first ? "[\n" : ",\n"}${json}`;
    this.first = false;
    if (this.piece.length >= PIECE_BYTES) {
      this.write(this.piece);
      this.piece = "";
    }
  }

  end(): void {
    this.write(this.first ? "[]\n" : `${this.piece}\n]\n`);
    this.piece = "";
  }
}

/** One line of NDJSON for streaming commands. */
export function toJsonLine(value: unknown): string {
  // With the replacer from the start: search matches, the longest streams, always hold bigints.
  return `${JSON.stringify(value, jsonReplacer)}\n`;
}
