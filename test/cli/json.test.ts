import { describe, expect, it } from "vitest";
import { toJson, writeJsonArray } from "../../src/cli/render/json.js";

function written(items: unknown[], pieceLimit?: number): { text: string; pieces: number } {
  let text = "";
  let pieces = 0;
  writeJsonArray(
    (function* () {
      yield* items;
    })(),
    (piece) => {
      text += piece;
      pieces++;
    },
  );
  if (pieceLimit !== undefined) expect(pieces).toBeLessThanOrEqual(pieceLimit);
  return { text, pieces };
}

/** The lines of a written array: "[", one line per element, "]". */
function elementLines(text: string): string[] {
  const lines = text.split("\n");
  expect(lines.slice(0, 1)).toEqual(["["]);
  expect(lines.slice(-2)).toEqual(["]", ""]);
  return lines.slice(1, -2).map((line, i, all) => (i < all.length - 1 ? line.replace(/,$/, "") : line));
}

describe("writeJsonArray()", () => {
  it("writes one JSON document holding what toJson holds, one element per line", () => {
    const items = [
      { pid: 1, fds: [{ fd: 0, target: "pipe:[1]\nnot a line break", flags: ["O_RDONLY"] }], errors: {} },
      { pid: 2, fds: [], errors: { fds: "permission denied" }, nested: { deeper: [1, [2, { x: null }]] } },
      "a string",
      42,
      null,
      [],
      {},
    ];
    const { text } = written(items);
    expect(JSON.parse(text)).toEqual(JSON.parse(toJson(items)));
    expect(elementLines(text).map((line) => JSON.parse(line))).toEqual(items);
    expect(written([]).text).toBe("[]\n");
    expect(written([{ only: true }]).text).toBe('[\n{"only":true}\n]\n');
    // As JSON.stringify writes an undefined element of an array.
    expect(written([undefined, 1]).text).toBe("[\nnull,\n1\n]\n");
  });

  it("prints bigints as hex strings, as toJson does", () => {
    const items = [{ address: 0xffffffffff600000n }, { plain: 1 }];
    expect(JSON.parse(written(items).text)).toEqual(JSON.parse(toJson(items)));
    expect(written(items).text).toContain('"0xffffffffff600000"');
  });

  it("writes a long listing in pieces, not as one string", () => {
    const items = Array.from({ length: 5000 }, (_, i) => ({ pid: i, comm: "x".repeat(40) }));
    const { text, pieces } = written(items);
    expect(elementLines(text)).toHaveLength(5000);
    expect(JSON.parse(text)).toEqual(items);
    expect(pieces).toBeGreaterThan(3);
  });
});
