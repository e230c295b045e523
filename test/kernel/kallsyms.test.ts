import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { AccessDenied, InvalidArgument, NotFound } from "../../src/errors.js";
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
    // The last symbol of a module without /proc/modules ends with its page.
    expect(index.lookupAddress(0xffffffffc0201001n)).toMatchObject({ symbol: { name: "ftrace_trampoline" }, offsetBytes: 1 });
    expect(() => index.lookupAddress(0xffffffffc0202000n)).toThrow(/past the end of module __builtin__ftrace/);
  });

  it("says an address past the end of the kernel image or between modules is in neither (not symbol+1 GB)", () => {
    const text = `${SAMPLE}ffffffff81422000 B _end\nffffffffc0300000 t mod_a_fn\t[mod_a]\nffffffffc0400000 t mod_b_fn\t[mod_b]\n`;
    const root = tree("gaps", text);
    fs.writeFileSync(path.join(root, "modules"), "mod_a 8192 0 - Live 0xffffffffc0300000\nmod_b 4096 0 - Live 0xffffffffc0400000\n");
    const index = loadKallsyms(openProcFs(root));
    // The gap between the image and the modules (what `ksym 0xffffffffc0000000` hit).
    expect(() => index.lookupAddress(0xffffffffc0000000n)).toThrow(
      /past the end of the kernel image \(its last symbol is _end at 0xffffffff81422000\), between the kernel image and the modules \(the next symbol is ftrace_trampoline \[__builtin__ftrace\]/,
    );
    // Inside _end's page but past _end: still outside; common_nsleep ends at _end.
    expect(index.lookupAddress(0xffffffff81421d64n).symbol.sizeBytes).toBe(0x2a0);
    // mod_a is 8 KiB (/proc/modules): its last function reaches that far, and no further.
    expect(index.lookupAddress(0xffffffffc0301ff0n)).toMatchObject({ symbol: { name: "mod_a_fn", sizeBytes: 8192 }, offsetBytes: 0x1ff0 });
    expect(() => index.lookupAddress(0xffffffffc0302000n)).toThrow(
      /past the end of module mod_a \(its last symbol is mod_a_fn \[mod_a\] at 0xffffffffc0300000\), between modules \(the next symbol is mod_b_fn \[mod_b\]/,
    );
    expect(() => index.lookupAddress(0xffffffffc0401000n)).toThrow(/past the end of module mod_b/);
  });

  it("sorts module symbols that the file lists out of address order", () => {
    const shuffled = `${SAMPLE}ffffffffc0100000 t early_mod_fn\t[mod_a]\nffffffffc0100040 t later_mod_fn\t[mod_a]\n`;
    const index = loadKallsyms(openProcFs(tree("shuffled", shuffled)));
    expect(index.lookupAddress(0xffffffffc0100044n)).toMatchObject({ symbol: { name: "later_mod_fn", module: "mod_a" }, offsetBytes: 4 });
    expect(index.lookupAddress(0xffffffffc0100010n).symbol.sizeBytes).toBe(0x40);
    // The kernel image's last symbol ends with the image (here, with its page: no _end listed),
    // not where the first module symbol starts a gigabyte later.
    expect(index.lookupAddress(0xffffffff81421d64n).symbol).toMatchObject({ name: "common_nsleep", sizeBytes: 0x2a0 });
    expect(() => index.lookupAddress(0xffffffff81422000n)).toThrow(/past the end of the kernel image/);
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
    expect(() => index.lookupName("hrtimer_nanosleep")).toThrow(AccessDenied);
    expect(() => index.lookupAddress(0x10n)).toThrow(/read as zero: kernel.kptr_restrict=1;/);
    const cli = await runCli(["ksym", "hrtimer_nanosleep", "--root", root]);
    expect(cli.code).toBe(4);
    expect(cli.stderr).toMatch(
      /^procscope: cannot read ".*kallsyms": permission denied \(its addresses read as zero: kernel.kptr_restrict=1; .*\)\n$/,
    );
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

  it("ksym of an address past the end of the kernel image says so, exit 1 (was its last symbol + about 1 GB)", async () => {
    const lines = fs.readFileSync("/proc/kallsyms", "latin1").split("\n");
    let last = 0n;
    for (const line of lines) {
      const [address, , name, module] = line.split(/[ \t]/);
      if (name === undefined || module !== undefined) continue;
      const value = BigInt(`0x${address}`);
      if (value > last) last = value;
    }
    // 16 MiB past the image's last symbol: below the modules (at 0xffffffffc0000000 and up on x86-64).
    const gap = last + 0x1000000n;
    const result = await runCli(["ksym", `0x${gap.toString(16)}`]);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(
      new RegExp(`^procscope: no kernel symbol at 0x${gap.toString(16)}: it is past the end of the kernel image`),
    );
    expect(result.code).toBe(1);
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
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(
      /^procscope: cannot read "\/proc\/kallsyms": permission denied \(its addresses read as zero: kernel.kptr_restrict=\d; not root, and reading them needs CAP_SYSLOG\)\n$/,
    );
  });
});
