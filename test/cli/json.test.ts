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

describe("writeJsonArray()", () => {
  it("writes exactly what toJson writes for the whole array", () => {
    const items = [
      { pid: 1, fds: [{ fd: 0, target: "pipe:[1]\nnot a line break", flags: ["O_RDONLY"] }], errors: {} },
      { pid: 2, fds: [], errors: { fds: "permission denied" }, nested: { deeper: [1, [2, { x: null }]] } },
      "a string",
      42,
      null,
      [],
      {},
    ];
    expect(written(items).text).toBe(toJson(items));
    expect(written([]).text).toBe(toJson([]));
    expect(written([{ only: true }]).text).toBe(toJson([{ only: true }]));
  });

  it("prints bigints as hex strings, as toJson does", () => {
    const items = [{ address: 0xffffffffff600000n }, { plain: 1 }];
    expect(written(items).text).toBe(toJson(items));
    expect(written(items).text).toContain('"0xffffffffff600000"');
  });

  it("writes a long listing in pieces, not as one string", () => {
    const items = Array.from({ length: 5000 }, (_, i) => ({ pid: i, comm: "x".repeat(40) }));
    const { text, pieces } = written(items);
    expect(text).toBe(toJson(items));
    expect(pieces).toBeGreaterThan(3);
  });
});
