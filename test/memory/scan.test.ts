import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { openProcessMemory } from "../../src/memory/reader.js";
import { parseRegionSelector } from "../../src/memory/regions.js";
import { compilePattern, newSearchStats, searchMemory } from "../../src/memory/search.js";
import { findStrings, newStringsStats } from "../../src/memory/strings.js";
import { MIB, startTarget, type Target } from "./_target.js";

const procFs = openProcFs();
let target: Target;
beforeAll(async () => {
  target = await startTarget();
});
afterAll(async () => {
  await target.process.kill();
});

describe("searchMemory()", () => {
  it("finds straddling matches with small chunks too", async () => {
    const memory = openProcessMemory(procFs, target.pid);
    try {
      const found: bigint[] = [];
      for await (const m of searchMemory(memory, compilePattern({ pattern: "EDGE-RUN" }), {
        region: parseRegionSelector(`0x${target.big.toString(16)}-0x${(target.big + BigInt(4 * MIB)).toString(16)}`),
        chunkSize: 4096,
      }))
        found.push(m.address);
      expect(found).toEqual([target.big + BigInt(2 * MIB - 6)]);
    } finally {
      memory.close();
    }
  });

  it("ends cleanly with what it found when the process exits mid-scan", async () => {
    const other = await startTarget();
    const memory = openProcessMemory(procFs, other.pid);
    const stats = newSearchStats();
    const found: string[] = [];
    try {
      for await (const m of searchMemory(memory, compilePattern({ pattern: "STRADDLE-NEEDLE" }), {
        region: parseRegionSelector(`0x${other.big.toString(16)}-0x${(other.big + BigInt(4 * MIB)).toString(16)}`),
        stats,
      })) {
        found.push(m.text);
        await other.process.kill();
      }
    } finally {
      memory.close();
    }
    expect(found).toEqual(["STRADDLE-NEEDLE"]);
    expect(stats.exited).toEqual([other.pid]);
  });
});

describe("strings()", () => {
  it("yields runs with bigint addresses and their region", async () => {
    const stats = newStringsStats();
    const runs = [];
    for await (const run of findStrings(procFs, target.pid, { region: parseRegionSelector("heap"), minLength: 10, stats })) runs.push(run);
    const one = runs.find((r) => r.text === "HEAPSTRING-ONE");
    expect(one?.address).toBe(target.heap1);
    expect(one?.region.kind).toBe("heap");
    expect(stats.strings).toBe(runs.length);
    expect(stats.exited).toBe(false);
  });

  it("joins a run carried across many small chunks", async () => {
    const found = [];
    for await (const run of findStrings(procFs, target.pid, {
      region: parseRegionSelector(
        `0x${(target.big + BigInt(2 * MIB - 4096)).toString(16)}-0x${(target.big + BigInt(2 * MIB + 4096)).toString(16)}`,
      ),
      chunkSize: 8,
    }))
      found.push(run.text);
    expect(found).toEqual(["EDGE-RUN-ACROSS-CHUNKS"]);
  });
});
