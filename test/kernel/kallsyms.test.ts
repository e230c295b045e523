import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { InvalidArgument, NotFound, Unavailable } from "../../src/errors.js";
import { type KallsymsIndex, loadKallsyms, parseKsymQuery } from "../../src/kernel/kallsyms.js";
import { problemsOf } from "../../src/procfs/_lines.js";
import { kallsymsAddress, kallsymsModule, kallsymsName, parseKallsyms } from "../../src/procfs/kallsyms.js";
import { runCli } from "../helpers/cli.js";
import { startProcess } from "../helpers/live.js";
import { runAsNobody } from "../helpers/unprivileged.js";
import { waitUntil } from "../helpers/wait.js";

const isRoot = process.geteuid?.() === 0;

// Captured from this VM's /proc/kallsyms (kernel 6.18), plus a module line of the usual shape.
const SAMPLE = `ffffffff81000000 T srso_alias_untrain_ret
ffffffff81000000 T _stext
ffffffff81000000 T _text
ffffffff81421c50 T __pfx_hrtimer_nanosleep
ffffffff81421c60 T hrtimer_nanosleep
ffffffff81421d50 T __pfx_common_nsleep
ffffffff81421d60 T common_nsleep
ffffffffc0201000 t ftrace_trampoline\t[__builtin__ftrace]
`;

describe("parseKallsyms()", () => {
  it("reads address, type, name and module of each line", () => {
    const table = parseKallsyms(Buffer.from(SAMPLE));
    expect(table.count).toBe(8);
    expect(kallsymsAddress(table, 4)).toBe(0xffffffff81421c60n);
    expect(kallsymsName(table, 4)).toBe("hrtimer_nanosleep");
    expect(String.fromCharCode(table.types[4] as number)).toBe("T");
    expect(kallsymsModule(table, 4)).toBeNull();
    expect(kallsymsModule(table, 7)).toBe("__builtin__ftrace");
    expect(kallsymsName(table, 7)).toBe("ftrace_trampoline");
    expect(table.zeroed).toBe(false);
  });

  it("notices when every address reads as zero (kptr_restrict, not root)", () => {
    expect(parseKallsyms(Buffer.from(SAMPLE.replace(/^[0-9a-f]{16}/gm, "0000000000000000"))).zeroed).toBe(true);
  });

  it("skips a malformed line with its line number and keeps the symbols after it", () => {
    const good = SAMPLE.split("\n").filter((l) => l !== "").length;
    for (const bad of ["ffffffff81000000 T\n", "zzzz T x\n", "ffffffff81000000 T name\t(module)\n", "ffffffff81000000 name\n"]) {
      const table = parseKallsyms(Buffer.from(`${SAMPLE}${bad}ffffffff81000010 T after\n`));
      expect(problemsOf(table).map((p) => p.line)).toEqual([9]);
      expect(table.count).toBe(good + 1);
      expect(kallsymsName(table, table.count - 1)).toBe("after");
    }
  });
});

describe("parseKsymQuery()", () => {
  it("tells addresses from names", () => {
    expect(parseKsymQuery("0xffffffff81421c70")).toEqual({ kind: "address", address: 0xffffffff81421c70n });
    expect(parseKsymQuery("ffffffff81421c70")).toEqual({ kind: "address", address: 0xffffffff81421c70n });
    expect(parseKsymQuery("do_nanosleep")).toEqual({ kind: "name", name: "do_nanosleep", offset: null });
    expect(parseKsymQuery("face")).toEqual({ kind: "name", name: "face", offset: null });
    expect(parseKsymQuery("hrtimer_nanosleep+0x74/0xf0")).toEqual({ kind: "name", name: "hrtimer_nanosleep", offset: 0x74 });
    expect(() => parseKsymQuery("../etc")).toThrow(InvalidArgument);
    expect(() => parseKsymQuery("0x12345678901234567")).toThrow(InvalidArgument);
  });
});

describe("loadKallsyms() on a captured file", () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-kallsyms-"));
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));
  const tree = (name: string, text: string): string => {
    const root = path.join(base, name, "proc");
    fs.mkdirSync(path.join(root, "sys", "kernel"), { recursive: true });
    fs.writeFileSync(path.join(root, "kallsyms"), text);
    fs.writeFileSync(path.join(root, "sys", "kernel", "kptr_restrict"), "1\n");
    return root;
  };

  it("finds the nearest symbol below an address, its offset, size and aliases", () => {
    const index = loadKallsyms(openProcFs(tree("plain", SAMPLE)));
    const hit = index.lookupAddress(0xffffffff81421c70n);
    expect(hit.symbol).toMatchObject({ name: "hrtimer_nanosleep", address: 0xffffffff81421c60n, sizeBytes: 0xf0, type: "T" });
    expect(hit.offsetBytes).toBe(0x10);
    expect(index.lookupAddress(0xffffffff81000000n)).toMatchObject({
      symbol: { name: "srso_alias_untrain_ret" },
      aliases: ["_stext", "_text"],
    });
    expect(index.lookupAddress(0xffffffffc0201000n).symbol.module).toBe("__builtin__ftrace");
    expect(() => index.lookupAddress(0xffffffff80000000n)).toThrow(NotFound);
    expect(() => index.lookupAddress(0xffffffffc0201001n)).toThrow(/past the last symbol/);
  });

  it("sorts module symbols that the file lists out of address order", () => {
    const shuffled = `${SAMPLE}ffffffffc0100000 t early_mod_fn\t[mod_a]\nffffffffc0100040 t later_mod_fn\t[mod_a]\n`;
    const index = loadKallsyms(openProcFs(tree("shuffled", shuffled)));
    expect(index.lookupAddress(0xffffffffc0100044n)).toMatchObject({ symbol: { name: "later_mod_fn", module: "mod_a" }, offsetBytes: 4 });
    expect(index.lookupAddress(0xffffffffc0100010n).symbol.sizeBytes).toBe(0x40);
    // The kernel image's last symbol now ends where the first module symbol starts.
    expect(index.lookupAddress(0xffffffff81421d64n).symbol).toMatchObject({
      name: "common_nsleep",
      sizeBytes: Number(0xffffffffc0100000n - 0xffffffff81421d60n),
    });
  });

  it("finds every address of a name; names are whole words", () => {
    const index = loadKallsyms(openProcFs(tree("names", `${SAMPLE}ffffffffc0202000 t hrtimer_nanosleep\t[dup]\n`)));
    expect(index.lookupName("hrtimer_nanosleep").map((s) => [s.address, s.module])).toEqual([
      [0xffffffff81421c60n, null],
      [0xffffffffc0202000n, "dup"],
    ]);
    expect(() => index.lookupName("hrtimer_nano")).toThrow(NotFound);
    expect(() => index.lookupName("nanosleep")).toThrow(NotFound);
  });

  it("refuses to answer from zeroed addresses, saying why", async () => {
    const root = tree("zeroed", SAMPLE.replace(/^[0-9a-f]{16}/gm, "0000000000000000"));
    const index = loadKallsyms(openProcFs(root));
    expect(() => index.lookupName("hrtimer_nanosleep")).toThrow(Unavailable);
    expect(() => index.lookupAddress(0x10n)).toThrow(/read as zero: kernel.kptr_restrict=1;/);
    const cli = await runCli(["ksym", "hrtimer_nanosleep", "--root", root]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^procscope: kernel symbol addresses read as zero: kernel.kptr_restrict=1; .*\n$/);
  });

  it("ksym with a malformed query is a usage error", async () => {
    const cli = await runCli(["ksym", "no/such", "--root", tree("usage", SAMPLE)]);
    expect(cli.code).toBe(2);
    expect(cli.stderr.split("\n")[0]).toBe('procscope: "no/such" is neither an address (0x…) nor a symbol name');
  });
});

describe.runIf(isRoot)("loadKallsyms() on the live kernel", () => {
  let index: KallsymsIndex;
  beforeAll(() => {
    index = loadKallsyms(openProcFs());
  });

  it("round-trips address → name → address for hrtimer_nanosleep", () => {
    const [symbol] = index.lookupName("hrtimer_nanosleep");
    expect(symbol).toBeDefined();
    const line = fs
      .readFileSync("/proc/kallsyms", "latin1")
      .split("\n")
      .find((l) => / T hrtimer_nanosleep$/.test(l));
    expect(symbol?.address).toBe(BigInt(`0x${line?.split(" ")[0]}`));
    const address = (symbol?.address ?? 0n) + 0x10n;
    const hit = index.lookupAddress(address);
    expect(hit.symbol.name).toBe("hrtimer_nanosleep");
    expect(hit.offsetBytes).toBe(0x10);
    expect(index.lookupName(hit.symbol.name)[0]?.address).toBe(hit.symbol.address);
  });

  it("gives every frame of a real kernel stack the size the kernel printed", async () => {
    const sleeper = await startProcess("sleep", ["1000"]);
    try {
      const stack = await waitUntil(
        "sleep to enter nanosleep",
        () => {
          const text = fs.readFileSync(`/proc/${sleeper.pid}/stack`, "utf8");
          return text.includes("nanosleep") && text;
        },
        { everyMs: 10 },
      );
      const frames = [...stack.matchAll(/\] (\w+)\+0x([0-9a-f]+)\/0x([0-9a-f]+)/g)];
      expect(frames.length).toBeGreaterThan(2);
      for (const [, name, offset, size] of frames) {
        const [symbol] = index.lookupName(name as string);
        const hit = index.lookupAddress((symbol?.address ?? 0n) + BigInt(`0x${offset}`));
        expect([hit.symbol.name, ...hit.aliases]).toContain(name);
        expect(hit.symbol.sizeBytes).toBe(Number.parseInt(size as string, 16));
      }
      const cli = await runCli(["ksym", `${frames[0]?.[1]}+0x${frames[0]?.[2]}`]);
      expect(cli.code).toBe(0);
      expect(cli.stdout).toMatch(new RegExp(` ${frames[0]?.[1]}\\+0x${frames[0]?.[2]}/0x${frames[0]?.[3]} T at 0xffff`));
    } finally {
      await sleeper.kill();
    }
  });

  it("ksym NAME prints a table; an unknown name exits 1 with one line", async () => {
    const ok = await runCli(["ksym", "hrtimer_nanosleep", "--json"]);
    expect(ok.code).toBe(0);
    const [hit] = JSON.parse(ok.stdout);
    expect(hit).toMatchObject({ symbol: { name: "hrtimer_nanosleep", type: "T", module: null }, offsetBytes: 0 });
    expect(hit.address).toBe(hit.symbol.address);
    const missing = await runCli(["ksym", "no_such_symbol_procscope"]);
    expect(missing).toEqual({ code: 1, stdout: "", stderr: 'procscope: no kernel symbol named "no_such_symbol_procscope"\n' });
  });

  it("says addresses are hidden when run as uid 65534 instead of printing zeros", async () => {
    const result = await runAsNobody(["ksym", "hrtimer_nanosleep"]);
    const zeroed = fs.readFileSync("/proc/kallsyms", "latin1").startsWith("0000000000000000");
    expect(zeroed).toBe(false); // we are root: the file shows us real addresses
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^procscope: kernel symbol addresses read as zero: kernel.kptr_restrict=\d; not root \(reading them needs CAP_SYSLOG\)\n$/,
    );
  });
});
