import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { NotFound, ProcessGone, Unavailable } from "../../src/errors.js";
import { readMaps } from "../../src/memory/maps.js";
import { findHoleEnd, openProcessMemory, readMemory, readRegion } from "../../src/memory/reader.js";
import { MIB, startTarget, type Target } from "./_target.js";

const procFs = openProcFs();
let target: Target;

beforeAll(async () => {
  target = await startTarget();
});
afterAll(async () => {
  await target.process.kill();
});

describe("readMaps()", () => {
  it("finds the fenced 4 MiB region as its own anonymous mapping", () => {
    const regions = readMaps(procFs, target.pid);
    const big = regions.find((r) => r.start === target.big);
    expect(big).toMatchObject({ sizeBytes: 4 * MIB, perms: "rw-p", kind: "anon", path: null });
    const before = regions[regions.indexOf(big as (typeof regions)[number]) - 1];
    expect(before?.perms).toBe("---p");
  });
});

describe("readMemory()", () => {
  it("reads bytes planted by the process, across a 1 MiB chunk edge", async () => {
    const read = await readMemory(procFs, target.pid, target.big + BigInt(MIB - 5), 15);
    expect(read.bytes.toString("latin1")).toBe("STRADDLE-NEEDLE");
    expect(read.holes).toEqual([]);
    expect(read.startTimeTicks).toBeGreaterThan(0);
  });

  it("throws NotFound naming the address for an unmapped address", async () => {
    await expect(readMemory(procFs, target.pid, 0x10n, 16)).rejects.toThrow(new NotFound(`0x10 is not mapped in process ${target.pid}`));
  });

  it("throws NotFound for a range that runs past the end of the mappings", async () => {
    const stackEnd = readMaps(procFs, target.pid).find((r) => r.kind === "stack")?.end as bigint;
    await expect(readMemory(procFs, target.pid, stackEnd - 8n, 64)).rejects.toThrow(/is not mapped/);
  });

  it("reports the pages past the end of a mapped file as one hole, not one per page", async () => {
    const read = await readMemory(procFs, target.pid, target.file, 4 * 4096);
    expect(read.bytes.subarray(0, 8).toString()).toBe("FILEPAGE");
    expect(read.holes).toHaveLength(1);
    expect(read.holes[0]).toMatchObject({ address: target.file + 4096n, length: 3 * 4096 });
  });

  it("reports [vvar] as a hole instead of failing", async () => {
    const vvar = readMaps(procFs, target.pid).find((r) => r.path === "[vvar]");
    if (!vvar) return;
    const read = await readMemory(procFs, target.pid, vvar.start, 64);
    expect(read.holes).toHaveLength(1);
  });

  it("refuses a kernel thread with a clear message", async () => {
    await expect(readMemory(procFs, 2, 0x1000n, 16)).rejects.toThrow(Unavailable);
    await expect(readMemory(procFs, 2, 0x1000n, 16)).rejects.toThrow(/kernel thread/);
  });

  it("rejects zero and huge lengths before reading", async () => {
    await expect(readMemory(procFs, target.pid, target.big, 0)).rejects.toThrow(/positive/);
    await expect(readMemory(procFs, target.pid, target.big, 2 ** 40)).rejects.toThrow(/too large/);
  });
});

describe("findHoleEnd()", () => {
  it("finds the end of an unreadable run with galloping and bisection", () => {
    const memory = openProcessMemory(procFs, target.pid);
    try {
      expect(findHoleEnd(memory.mem, target.file + 4096n, target.file + 4n * 4096n)).toBe(target.file + 4n * 4096n);
      expect(findHoleEnd(memory.mem, target.file + 4096n + 17n, target.file + 3n * 4096n)).toBe(target.file + 3n * 4096n);
    } finally {
      memory.close();
    }
  });
});

describe("readRegion()", () => {
  it("yields 1 MiB chunks whose overlap repeats the previous chunk's tail", async () => {
    const memory = openProcessMemory(procFs, target.pid);
    try {
      const pieces: { address: bigint; length: number; overlap: number; head: string }[] = [];
      for await (const piece of readRegion(memory.mem, target.big, target.big + BigInt(4 * MIB), { overlap: 14 })) {
        if (piece.kind === "data")
          pieces.push({
            address: piece.address,
            length: piece.bytes.length,
            overlap: piece.overlap,
            head: piece.bytes.subarray(0, 14).toString("latin1"),
          });
      }
      expect(pieces.map((p) => p.overlap)).toEqual([0, 14, 14, 14]);
      expect(pieces[1]?.address).toBe(target.big + BigInt(MIB - 14));
      expect(pieces[1]?.head.startsWith("\0\0\0\0\0\0\0\0\0STRAD")).toBe(true);
    } finally {
      memory.close();
    }
  });

  it("stops when the signal is aborted", async () => {
    const memory = openProcessMemory(procFs, target.pid);
    const controller = new AbortController();
    let chunks = 0;
    try {
      for await (const piece of readRegion(memory.mem, target.big, target.big + BigInt(4 * MIB), { signal: controller.signal })) {
        if (piece.kind === "data") chunks++;
        controller.abort();
      }
    } finally {
      memory.close();
    }
    expect(chunks).toBe(1);
  });

  it("throws ProcessGone when the process exits between chunks", async () => {
    const other = await startTarget();
    const memory = openProcessMemory(procFs, other.pid);
    let error: unknown;
    let chunks = 0;
    try {
      for await (const piece of readRegion(memory.mem, other.big, other.big + BigInt(4 * MIB), { pid: other.pid })) {
        if (piece.kind === "data") chunks++;
        if (chunks === 1) await other.process.kill();
      }
    } catch (e) {
      error = e;
    } finally {
      memory.close();
    }
    expect(chunks).toBe(1);
    expect(error).toBeInstanceOf(ProcessGone);
    expect((error as ProcessGone).pid).toBe(other.pid);
  });
});

describe("openProcessMemory()", () => {
  it("throws ProcessGone for a process that exited", async () => {
    const other = await startTarget();
    await other.process.kill();
    expect(() => openProcessMemory(procFs, other.pid)).toThrow(ProcessGone);
  });
});
