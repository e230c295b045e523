import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { problemsOf } from "../../src/procfs/_lines.js";
import { parseMapsLine, parsePidMaps } from "../../src/procfs/pid/maps.js";

// Captured on this VM (kernel 6.18) from a C program mapping a deleted file with spaces and
// parentheses in its name, a memfd, shared anonymous memory, a SysV segment and a PROT_NONE page.
const ZOO = readFileSync(new URL("./fixtures/zoo.maps", import.meta.url), "utf8");

describe("parsePidMaps()", () => {
  it("returns one region per kernel line, nothing dropped", () => {
    const regions = parsePidMaps(ZOO);
    expect(regions).toHaveLength(ZOO.trim().split("\n").length);
    for (let i = 1; i < regions.length; i++) expect(regions[i]?.start).toBeGreaterThanOrEqual(regions[i - 1]?.end as bigint);
  });

  it("reads start, end, perms, offset, dev and inode of a real line", () => {
    const libcData = parsePidMaps(ZOO).find((r) => r.path?.endsWith("libc.so.6") && r.perms === "rw-p");
    expect(libcData).toMatchObject({ dev: "fe:00", inode: 339380, offset: 0x1d3000n, readable: true, writable: true, executable: false });
    expect(libcData?.shared).toBe(false);
    expect(libcData?.sizeBytes).toBe(Number((libcData?.end as bigint) - (libcData?.start as bigint)));
    expect(libcData?.section).toBe("data");
  });

  it("keeps spaces and parentheses in a deleted file's path and strips only the (deleted) suffix", () => {
    const file = parsePidMaps(ZOO).find((r) => r.path?.startsWith("/tmp/m/a file"));
    expect(file).toMatchObject({ path: "/tmp/m/a file (x)", deleted: true, kind: "deleted", shared: true, perms: "r--s" });
  });

  it("tells the kinds of special mappings apart", () => {
    const kinds = new Map(parsePidMaps(ZOO).map((r) => [r.path ?? `anon ${r.start}`, r.kind]));
    expect(kinds.get("[heap]")).toBe("heap");
    expect(kinds.get("[stack]")).toBe("stack");
    expect(kinds.get("[vdso]")).toBe("vdso");
    expect(kinds.get("[vvar]")).toBe("vvar");
    expect(kinds.get("[vvar_vclock]")).toBe("vvar");
    expect(kinds.get("[vsyscall]")).toBe("vsyscall");
    expect(kinds.get("/memfd:zoo")).toBe("memfd");
    expect(kinds.get("/SYSV00000000")).toBe("shm");
    expect(kinds.get("/dev/zero")).toBe("shm");
    expect(kinds.get("/usr/lib/x86_64-linux-gnu/libc.so.6")).toBe("file");
  });

  it("keeps the vsyscall address above 2^53 exact", () => {
    const vsyscall = parsePidMaps(ZOO).find((r) => r.kind === "vsyscall");
    expect(vsyscall?.start).toBe(0xffffffffff600000n);
    expect(vsyscall?.end).toBe(0xffffffffff601000n);
    expect(vsyscall?.perms).toBe("--xp");
  });

  it("labels text, rodata, data and the bss after a library's data", () => {
    const regions = parsePidMaps(ZOO);
    const libc = regions.filter((r) => r.path?.endsWith("libc.so.6"));
    expect(libc.map((r) => r.section)).toEqual(["rodata", "text", "rodata", "rodata", "data"]);
    const afterLibc = regions[regions.indexOf(libc[4] as (typeof libc)[number]) + 1];
    expect(afterLibc).toMatchObject({ kind: "anon", path: null, section: "bss" });
    expect(regions.find((r) => r.kind === "heap")?.section).toBeNull();
    expect(regions.find((r) => r.perms === "---p")?.section).toBeNull();
  });

  it("decodes the kernel's \\012 escape for a newline in a path", () => {
    const region = parseMapsLine("7f00-8f00 r--p 00000000 fe:00 12  /tmp/a\\012b");
    expect(region.path).toBe("/tmp/a\nb");
  });

  it("gives null path and kind anon for an anonymous line without trailing spaces", () => {
    expect(parseMapsLine("7f00-8f00 rw-p 00000000 00:00 0")).toMatchObject({ path: null, kind: "anon" });
  });

  it("parses empty text (a kernel thread) as no regions", () => {
    expect(parsePidMaps("")).toEqual([]);
  });

  it("skips a malformed line with its line number and excerpt, keeping the others", () => {
    const text = `${ZOO.split("\n")[0]}\nnot a maps line\n${ZOO.split("\n")[1]}\n`;
    const regions = parsePidMaps(text);
    expect(regions.length).toBe(2);
    expect(problemsOf(regions)).toEqual([{ line: 2, reason: expect.stringMatching(/start-end/), excerpt: "not a maps line" }]);
    expect(() => parseMapsLine("8f00-7f00 r--p 00000000 fe:00 12")).toThrow(/ends before it starts/);
  });
});
