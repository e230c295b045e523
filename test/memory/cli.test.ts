import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runBin, runCli } from "../helpers/cli.js";
import { unusedPid } from "../helpers/live.js";
import { repoPath } from "../helpers/repo.js";
import { MIB, startTarget, type Target } from "./_target.js";

// biome-ignore lint/suspicious/noExplicitAny: JSON the CLI printed, checked field by field
type Json = Record<string, any>;

let target: Target;
let tmp: string;
const hex = (n: bigint) => `0x${n.toString(16)}`;

beforeAll(async () => {
  target = await startTarget();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-memcli-"));
});
afterAll(async () => {
  await target.process.kill();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("procscope maps", () => {
  it("prints one JSON region per kernel line with hex addresses", async () => {
    const kernelLines = fs.readFileSync(`/proc/${target.pid}/maps`, "utf8").trim().split("\n");
    const result = await runCli(["maps", String(target.pid), "--json"]);
    expect(result.code).toBe(0);
    const regions = JSON.parse(result.stdout) as { start: string; end: string; perms: string; kind: string; usage: null }[];
    expect(regions).toHaveLength(kernelLines.length);
    for (let i = 0; i < regions.length; i++) {
      const [range, perms] = (kernelLines[i] as string).split(" ");
      expect(`${regions[i]?.start.slice(2)}-${regions[i]?.end.slice(2)}`).toBe(range?.replace(/^0+(?=.)/, "").replace(/-0+(?=.)/, "-"));
      expect(regions[i]?.perms).toBe(perms);
    }
    expect(regions.some((r) => r.kind === "heap")).toBe(true);
    expect(regions.every((r) => r.usage === null)).toBe(true);
  });

  it("--smaps totals agree with pmap -X", async () => {
    const result = await runCli(["maps", String(target.pid), "--smaps", "--json"]);
    expect(result.code).toBe(0);
    const regions = JSON.parse(result.stdout) as { sizeBytes: number; usage: { rssBytes: number; pssBytes: number } }[];
    const sum = (of: (r: (typeof regions)[number]) => number) => regions.reduce((total, r) => total + of(r), 0);
    const totals = { size: sum((r) => r.sizeBytes), rss: sum((r) => r.usage.rssBytes), pss: sum((r) => r.usage.pssBytes) };
    const pmap = execFileSync("pmap", ["-X", String(target.pid)], { encoding: "utf8" })
      .trim()
      .split("\n");
    const header = (pmap[1] as string).trim().split(/\s+/);
    const total = (pmap[pmap.length - 1] as string).trim().split(/\s+/).map(Number);
    const column = (name: string) => total[header.indexOf(name) - header.indexOf("Size")] as number;
    expect(totals.size / 1024).toBe(column("Size"));
    expect(totals.rss / 1024).toBe(column("Rss"));
    // Pss of shared library pages moves as other processes start and exit: allow 2%.
    expect(Math.abs(totals.pss / 1024 - column("Pss"))).toBeLessThanOrEqual(column("Pss") * 0.02);
    expect(regions.length).toBe(pmap.length - 4);
  });

  it("names the kinds and sections in the table", async () => {
    const result = await runCli(["maps", String(target.pid)]);
    expect(result.stdout).toMatch(/heap +\[heap\]/);
    expect(result.stdout).toMatch(/file:text +\S*memory-target/);
    expect(result.stdout).toContain("backing.bin");
  });

  it("exits 1 with a clear message for a kernel thread", async () => {
    const result = await runCli(["maps", "2"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^procscope: process 2 \(kthreadd\) is a kernel thread: it has no user memory\n$/);
  });

  it("exits 3 for a process that does not exist", async () => {
    const result = await runCli(["maps", String(unusedPid())]);
    expect(result.code).toBe(3);
  });
});

describe("procscope read", () => {
  it("shows an xxd-like line for heap strings addressed by value", async () => {
    const result = await runCli(["read", String(target.pid), hex(target.heap1), "16"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${target.heap1.toString(16)}: 4845 4150 5354 5249 4e47 2d4f 4e45 0000  HEAPSTRING-ONE..\n`);
  });

  it("resolves region expressions such as heap+0x10", async () => {
    const heapStart = BigInt(
      `0x${
        fs
          .readFileSync(`/proc/${target.pid}/maps`, "utf8")
          .split("\n")
          .find((l) => l.endsWith("[heap]"))
          ?.split("-")[0]
      }`,
    );
    const offset = target.heap2 - heapStart;
    const result = await runCli(["read", String(target.pid), `heap+0x${offset.toString(16)}`, "14", "--json"]);
    expect(Buffer.from(JSON.parse(result.stdout).hex, "hex").toString()).toBe("HEAPSTRING-TWO");
  });

  it("--raw writes the bytes themselves (compared with dd on /proc/PID/mem)", async () => {
    const address = target.big + BigInt(3 * MIB + 100);
    const ours = execFileSync(process.execPath, [BIN, "read", String(target.pid), hex(address), "6", "--raw"]);
    const dd = execFileSync("dd", [`if=/proc/${target.pid}/mem`, "bs=1", `skip=${address}`, "count=6", "status=none", "iflag=skip_bytes"]);
    expect(ours).toEqual(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01, 0x02]));
    expect(ours.equals(dd)).toBe(true);
  });

  it("--raw refuses to write bytes to a terminal", async () => {
    const result = await runCli(["read", String(target.pid), hex(target.big), "16", "--raw"], { isTTY: true, columns: 80 });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^procscope: refusing to write raw bytes to a terminal/);
  });

  it("marks unreadable pages with ?? and warns once per hole", async () => {
    const result = await runCli(["read", String(target.pid), hex(target.file + 4096n - 8n), "24"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/: 0000 0000 0000 0000 \?\?\?\? \?\?\?\? \?\?\?\? \?\?\?\? {2}\.{8}\?{8}/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("exits 1 with the exact message for an unmapped address", async () => {
    const result = await runCli(["read", String(target.pid), "0x10", "16"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`procscope: 0x10 is not mapped in process ${target.pid}\n`);
  });

  it("rejects zero, huge and malformed lengths and malformed addresses with one line", async () => {
    for (const args of [
      [hex(target.big), "0"],
      [hex(target.big), "4g"],
      [hex(target.big), "ten"],
      ["0xZZ", "16"],
    ]) {
      const result = await runCli(["read", String(target.pid), ...(args as [string, string])]);
      expect(result.code).toBe(2);
      expect(result.stderr.split("\n")[0]).toMatch(/^procscope: (length|malformed)/);
    }
  });
});

describe("procscope search", () => {
  it("finds a needle that straddles a 1 MiB chunk edge exactly once", async () => {
    const result = await runCli(["search", String(target.pid), "STRADDLE-NEEDLE", "--json"]);
    expect(result.code).toBe(0);
    const matches = JSON.parse(result.stdout) as Json[];
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({
      pid: target.pid,
      address: hex(target.big + BigInt(MIB - 5)),
      text: "STRADDLE-NEEDLE",
      lengthBytes: 15,
    });
    expect(matches[0]?.region.start).toBe(hex(target.big));
    expect(result.stderr).toMatch(/1 match for "STRADDLE-NEEDLE"/);
  });

  it("agrees with grep -obaF on a dump of the same region", async () => {
    const dir = path.join(tmp, "grep-dump");
    expect(
      (await runCli(["dump", String(target.pid), "--region", hex(target.big).concat("-", hex(target.big + BigInt(4 * MIB))), "-o", dir]))
        .code,
    ).toBe(0);
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".bin")) as string;
    const grep = execFileSync("grep", ["-obaF", "Token", path.join(dir, file)], { encoding: "latin1" })
      .trim()
      .split("\n");
    const result = await runCli([
      "search",
      String(target.pid),
      "Token",
      "--region",
      hex(target.big).concat("-", hex(target.big + BigInt(4 * MIB))),
      "--json",
    ]);
    const ours = (JSON.parse(result.stdout) as Json[]).map((m) => m.offsetBytes);
    expect(ours).toEqual(grep.map((l) => Number(l.split(":")[0])));
  });

  it("searches hex bytes, regexes, either case and UTF-16LE", async () => {
    const where = ["--region", `${hex(target.big)}-${hex(target.big + BigInt(4 * MIB))}`, "--json"];
    const first = async (...args: string[]) => {
      const result = await runCli(["search", String(target.pid), ...args, ...where]);
      expect(result.code).toBe(0);
      return JSON.parse(result.stdout) as Json[];
    };
    expect((await first("de ad be ef", "--hex"))[0]?.address).toBe(hex(target.big + BigInt(3 * MIB + 100)));
    const regex = await first("order-[0-9]+-paid", "--regex");
    expect(regex.map((m) => m.text)).toEqual(["order-4711-paid"]);
    expect((await first("mixedcase-TOKEN", "-i"))[0]?.text).toBe("MixedCase-Token");
    expect(await first("mixedcase-TOKEN")).toEqual([]);
    const wide = await first("WideString", "--utf16");
    expect(wide).toHaveLength(1);
    expect(wide[0]).toMatchObject({ text: "WideString", lengthBytes: 20, address: hex(target.big + BigInt(3 * MIB + 200)) });
  });

  it("skips unreadable pages of a region and counts them", async () => {
    const result = await runCli(["search", String(target.pid), "FILEPAGE", "--region", "backing.bin", "--json"]);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as Json[]).map((m) => m.address)).toEqual([hex(target.file)]);
    expect(result.stderr).toContain("1 unreadable ranges skipped");
  });

  it("draws a status line on stderr on a terminal and keeps stdout to the matches", async () => {
    const result = await runCli(["search", String(target.pid), "STRADDLE-NEEDLE"], { isTTY: true, columns: 100 });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ +\d+ +[0-9a-f]+ anon\+0xffffb {2}.*STRADDLE-NEEDLE/);
    expect(result.stderr).toContain("\r\x1b[K");
  });

  it("--max stops after N matches", async () => {
    const result = await runCli(["search", String(target.pid), "HEAPSTRING", "--max", "1", "--json"]);
    expect(JSON.parse(result.stdout)).toHaveLength(1);
    expect(result.stderr).toContain("stopped at --max 1");
  });

  it("--all finds the needle in the target and never in itself", async () => {
    const result = await runBin(["search", "--all", "STRADDLE-NEEDL", "--json"]);
    expect(result.code).toBe(0);
    const pids = (JSON.parse(result.stdout) as Json[]).map((m) => m.pid);
    expect(pids).toContain(target.pid);
    expect(result.stderr).toMatch(/processes/);
  }, 120_000); // it scans every process on the machine: its time grows with what else runs

  it("rejects an empty pattern, malformed hex and a selector that matches nothing", async () => {
    const empty = await runCli(["search", String(target.pid), ""]);
    expect([empty.code, empty.stderr.split("\n")[0]]).toEqual([2, "procscope: empty pattern: give the text or bytes to search for"]);
    const badHex = await runCli(["search", String(target.pid), "de ad b", "--hex"]);
    expect(badHex.code).toBe(2);
    expect(badHex.stderr).toMatch(/^procscope: malformed hex "de ad b": odd number of digits/);
    const nothing = await runCli(["search", String(target.pid), "x", "--region", "no-such-lib"]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toBe(`procscope: region selector "no-such-lib" matches no region of process ${target.pid}\n`);
    const badRegex = await runCli(["search", String(target.pid), "a(", "--regex"]);
    expect(badRegex.code).toBe(2);
  });
});

describe("procscope strings", () => {
  it("keeps a printable run that crosses a chunk edge whole", async () => {
    const result = await runCli(["strings", String(target.pid), "--region", `${hex(target.big)}-${hex(target.big + BigInt(4 * MIB))}`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${(target.big + BigInt(2 * MIB - 6)).toString(16)} anon EDGE-RUN-ACROSS-CHUNKS\n`);
    expect(result.stdout).toContain(`${(target.big + BigInt(MIB - 5)).toString(16)} anon STRADDLE-NEEDLE\n`);
  });

  it("agrees with binutils strings -n 6 on a dump of the heap", async () => {
    const dir = path.join(tmp, "heap-dump");
    expect((await runCli(["dump", String(target.pid), "--region", "heap", "-o", dir])).code).toBe(0);
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".bin")) as string;
    const reference = execFileSync("strings", ["-a", "-n", "6", "-t", "x", path.join(dir, file)], { encoding: "latin1" })
      .trim()
      .split("\n")
      .map((l) => {
        const m = /^\s*([0-9a-f]+) (.*)$/.exec(l) as RegExpExecArray;
        return `${Number.parseInt(m[1] as string, 16)} ${m[2]}`;
      });
    const result = await runCli(["strings", String(target.pid), "--region", "heap", "-n", "6", "--json"]);
    const heapStart = BigInt(JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8")).regions[0].start);
    const ours = (JSON.parse(result.stdout) as Json[]).map((s) => `${Number(BigInt(s.address) - heapStart)} ${s.text}`);
    expect(ours).toEqual(reference);
    expect(ours.some((l) => l.endsWith(" HEAPSTRING-ONE"))).toBe(true);
  });

  it("prints the same lines from one thread, from worker threads and through the library", async () => {
    const region = `${hex(target.big)}-${hex(target.big + BigInt(4 * MIB))}`;
    const single = await runCli(["strings", String(target.pid), "--region", region, "-n", "5"]);
    const workers = await runBin(["strings", String(target.pid), "--region", region, "-n", "5"], {
      env: { ...process.env, PROCSCOPE_STRINGS_WORKERS: "2" },
    });
    const library = await runCli(["strings", String(target.pid), "--region", region, "-n", "5", "--json"]);
    const fromJson = (JSON.parse(library.stdout) as Json[]).map((s) => `${s.address.slice(2)} ${s.region.label} ${s.text}`);
    expect(single.stdout.trim().split("\n")).toEqual(fromJson);
    expect(workers.stdout).toBe(single.stdout);
    expect(fromJson.some((l) => l.endsWith(" anon EDGE-RUN-ACROSS-CHUNKS"))).toBe(true);
  });

  it("--encoding utf16le finds wide strings", async () => {
    const result = await runCli([
      "strings",
      String(target.pid),
      "--encoding",
      "utf16le",
      "--region",
      `${hex(target.big)}-${hex(target.big + BigInt(4 * MIB))}`,
    ]);
    expect(result.stdout).toBe(`${(target.big + BigInt(3 * MIB + 200)).toString(16)} anon WideString\n`);
  });

  it("rejects a bad -n and an unknown encoding", async () => {
    expect((await runCli(["strings", String(target.pid), "-n", "0"])).code).toBe(2);
    expect((await runCli(["strings", String(target.pid), "--encoding", "ebcdic"])).code).toBe(2);
  });
});

describe("procscope dump", () => {
  it("writes one file per region and an index with the holes", async () => {
    const dir = path.join(tmp, "file-dump");
    const result = await runCli(["dump", String(target.pid), "--region", "backing.bin", "-o", dir, "--json"]);
    expect(result.code).toBe(0);
    const index = JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8"));
    expect(index.pid).toBe(target.pid);
    expect(index.regions).toHaveLength(1);
    expect(index.regions[0]).toMatchObject({ start: hex(target.file), sizeBytes: 4 * 4096, readBytes: 4096 });
    expect(index.regions[0].region).toMatchObject({ start: hex(target.file), label: "backing.bin", kind: "file" });
    expect(index.regions[0].holes).toEqual([{ address: hex(target.file + 4096n), lengthBytes: 3 * 4096, reason: expect.any(String) }]);
    expect(JSON.parse(result.stdout)).toEqual({ directory: dir, ...index });
    const bytes = fs.readFileSync(path.join(dir, index.regions[0].file));
    expect(bytes.length).toBe(4 * 4096);
    expect(bytes.subarray(0, 8).toString()).toBe("FILEPAGE");
    expect(fs.readdirSync(tmp).some((f) => f.includes(".partial-"))).toBe(false);
  });

  it("refuses to write into a non-empty directory and needs -o", async () => {
    const dir = path.join(tmp, "busy");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "keep.txt"), "mine");
    const result = await runCli(["dump", String(target.pid), "--region", "heap", "-o", dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is not empty/);
    expect(fs.readdirSync(dir)).toEqual(["keep.txt"]);
    expect((await runCli(["dump", String(target.pid)])).code).toBe(2);
  });
});

describe("permission denied", () => {
  it("exits 4 naming the reason when uid 65534 reads a root process", async () => {
    // The repo may not be readable by uid 65534: run a world-readable copy of the build.
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-bin-"));
    fs.cpSync(repoPath("dist"), path.join(copy, "dist"), { recursive: true });
    fs.cpSync(repoPath("node_modules/commander"), path.join(copy, "node_modules/commander"), { recursive: true });
    fs.copyFileSync(repoPath("package.json"), path.join(copy, "package.json"));
    execFileSync("chmod", ["-R", "a+rX", copy]);
    fs.chmodSync(copy, 0o755);
    try {
      const run = (args: string[]) =>
        new Promise<{ code: number; stderr: string; stdout: string }>((resolve) => {
          import("node:child_process").then(({ execFile }) =>
            execFile(
              process.execPath,
              [path.join(copy, "dist/cli/bin.js"), ...args],
              { uid: 65534, gid: 65534, cwd: copy },
              (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
            ),
          );
        });
      for (const args of [
        ["read", String(target.pid), hex(target.big), "16"],
        ["maps", String(target.pid)],
        ["search", String(target.pid), "STRADDLE"],
      ]) {
        const result = await run(args);
        expect(result.code).toBe(4);
        expect(result.stderr).toMatch(
          /^procscope: cannot read "\/proc\/\d+\/\w+": permission denied \(another user's process \(uid 0\); not root\)\n$/,
        );
      }
      const all = await run(["search", "--all", "STRADDLE-NEEDLE"]);
      expect(all.code).toBe(0);
      expect(all.stdout).toBe("");
      expect(all.stderr).toMatch(/\d+ processes could not be read \(another user's process/);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});
