/**
 * A line of maps, kallsyms or mountinfo that does not parse used to vanish without a word. It is
 * skipped, every other region, symbol or mount is kept, and the user is told how many lines and
 * why: one line on stderr, for the server's maps beside the body (X-Procscope-Skipped-Lines), for
 * audit in `notChecked`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openProcFs, type ProcFs } from "../../src/access/proc-fs.js";
import { audit } from "../../src/audit/audit.js";
import { loadKallsyms } from "../../src/kernel/kallsyms.js";
import { createProcessContext } from "../../src/processes/context.js";
import { runCli } from "../helpers/cli.js";
import { FIXTURE_PROC } from "../helpers/fixtures.js";
import { createTestApp } from "../helpers/serve.js";

const PID = 11024;
const GARBAGE = "\u0001garbage in the middle";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "psc-skipped-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

fs.cpSync(path.join(FIXTURE_PROC, String(PID)), path.join(root, String(PID)), { recursive: true, verbatimSymlinks: true });
const mapsLines = fs.readFileSync(path.join(root, String(PID), "maps"), "latin1").split("\n");
const regionCount = mapsLines.length - 1;
const mapsGarbageLine = Math.floor(regionCount / 2) + 1;
mapsLines.splice(mapsGarbageLine - 1, 0, GARBAGE);
fs.writeFileSync(path.join(root, String(PID), "maps"), mapsLines.join("\n"), "latin1");

const SYMBOLS = [
  "ffffffff81000000 T _stext",
  "ffffffff81000100 T do_one_initcall",
  "ffffffff81000200 t run_init_process",
  "ffffffff81000300 T do_nanosleep",
  "ffffffff81000400 T _end",
];
fs.writeFileSync(path.join(root, "kallsyms"), `${[...SYMBOLS.slice(0, 2), "ffffffff8100zz00 T broken", ...SYMBOLS.slice(2)].join("\n")}\n`);

describe("skipped lines of maps and kallsyms", () => {
  it("maps keeps every other region and says how many lines it skipped, on stderr", async () => {
    const table = await runCli(["maps", String(PID), "--root", root]);
    expect(table.code).toBe(0);
    expect(table.stderr).toMatch(
      new RegExp(`^procscope: ${PID}/maps: skipped 1 line it could not parse \\(line ${mapsGarbageLine}: expected "start-end perms`),
    );
    expect(table.stderr.trim().split("\n")).toHaveLength(1);

    const json = await runCli(["maps", String(PID), "--root", root, "--json"]);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as unknown[]).length).toBe(regionCount);
    expect(json.stderr).toBe(table.stderr);
  });

  it("the server's maps keeps every other region and lists the skipped line in X-Procscope-Skipped-Lines", async () => {
    const server = createTestApp("t0ken", { context: createProcessContext(openProcFs(root)) });
    const response = await Promise.resolve(
      server.app.request(`http://127.0.0.1/api/processes/${PID}/maps`, { headers: { host: "127.0.0.1", authorization: "Bearer t0ken" } }),
    ).finally(() => server.close());
    expect(response.status).toBe(200);
    expect(((await response.json()) as unknown[]).length).toBe(regionCount);
    expect(JSON.parse(response.headers.get("X-Procscope-Skipped-Lines") ?? "null")).toEqual([
      { line: mapsGarbageLine, reason: expect.stringMatching(/^expected "start-end/), excerpt: GARBAGE },
    ]);
  });

  it("lsof --path finds a library mapped past a maps line it skipped, and says which process had lines skipped", async () => {
    const lib = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
    expect(mapsLines.findIndex((l) => l.endsWith(lib))).toBeGreaterThan(mapsGarbageLine);
    const result = await runCli(["lsof", "--path", lib, "--root", root, "--json"]);
    expect(result.code).toBe(0);
    const [files] = JSON.parse(result.stdout) as { pid: number; uses: { use: string; path: string }[] }[];
    expect(files?.pid).toBe(PID);
    expect(files?.uses).toContainEqual(expect.objectContaining({ use: "mem", path: lib }));
    expect(result.stderr).toMatch(new RegExp(`^procscope: the maps of 1 process \\(${PID}\\) had lines that could not be parsed`, "m"));
  });

  it("ksym finds the symbols around a line it skipped and says so, on stderr", async () => {
    const index = loadKallsyms(openProcFs(root));
    expect(index.count).toBe(SYMBOLS.length);
    expect(index.problems).toEqual([{ line: 3, reason: expect.any(String), excerpt: "ffffffff8100zz00 T broken" }]);

    for (const query of ["do_one_initcall", "do_nanosleep"]) {
      const result = await runCli(["ksym", query, "--root", root]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(query);
      expect(result.stderr).toMatch(/^procscope: kallsyms: skipped 1 line it could not parse \(line 3: /);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("ksym reads every module extent of /proc/modules past a line it skipped and says so, on stderr", async () => {
    const treeRoot = fs.mkdtempSync(path.join(os.tmpdir(), "psc-skipped-modules-"));
    try {
      fs.writeFileSync(path.join(treeRoot, "kallsyms"), `${SYMBOLS.join("\n")}\nffffffffc0a00000 t nft_init\t[nf_tables]\n`);
      fs.writeFileSync(
        path.join(treeRoot, "modules"),
        "ext4 1089536 1 - Live 0xffffffffc0800000\nnot a module line\nnf_tables 65536 0 - Live 0xffffffffc0a00000\n",
      );
      const index = loadKallsyms(openProcFs(treeRoot));
      expect(index.moduleProblems).toEqual([
        { line: 2, reason: expect.stringMatching(/^expected "name size/), excerpt: "not a module line" },
      ]);
      // Inside nf_tables's 64 KiB from /proc/modules, past the page a missing extent would end at.
      expect(index.lookupAddress(0xffffffffc0a08000n)).toMatchObject({ symbol: { name: "nft_init" }, offsetBytes: 0x8000 });
      const result = await runCli(["ksym", "0xffffffffc0a08000", "--root", treeRoot]);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/^procscope: modules: skipped 1 line it could not parse \(line 2: /);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    } finally {
      fs.rmSync(treeRoot, { recursive: true, force: true });
    }
  });

  it("audit's hidden-process rule still finds a mount over /proc/PID past a mountinfo line it skipped, and counts it in notChecked", async () => {
    const mountinfo = fs.readFileSync(path.join(FIXTURE_PROC, String(PID), "mountinfo"), "latin1").split("\n");
    mountinfo.splice(Math.floor(mountinfo.length / 2), 0, "garbage that is no mount");
    mountinfo.splice(mountinfo.length - 1, 0, `999 25 0:77 / /proc/${PID} rw,relatime - tmpfs tmpfs rw`);
    const fixture = openProcFs(FIXTURE_PROC);
    // A captured tree has no self/: ours is the mountinfo audit reads.
    const procFs = new Proxy(fixture, {
      get(target, property, receiver) {
        if (property === "readText") return (name: string) => (name === "self/mountinfo" ? mountinfo.join("\n") : target.readText(name));
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as ProcFs;
    const result = await audit(createProcessContext(procFs), { rules: ["hidden-process"] });
    expect(result.findings).toContainEqual(
      expect.objectContaining({ rule: "hidden-process", evidence: expect.objectContaining({ mountPoint: `/proc/${PID}` }) }),
    );
    const reasons = Object.keys(result.notChecked.reasons).filter((r) => r.includes("mountinfo"));
    expect(reasons).toEqual([expect.stringMatching(/^hidden-process: self\/mountinfo: skipped 1 line it could not parse \(line \d+: /)]);
  });

  it("audit still checks the regions of maps past a line it skipped, and counts the process in notChecked", async () => {
    const treeRoot = fs.mkdtempSync(path.join(os.tmpdir(), "psc-skipped-audit-"));
    try {
      fs.cpSync(path.join(root, String(PID)), path.join(treeRoot, String(PID)), { recursive: true, verbatimSymlinks: true });
      const maps = path.join(treeRoot, String(PID), "maps");
      // An anonymous rwx region after the garbage line: it must still be seen.
      fs.appendFileSync(maps, "7f0000000000-7f0000001000 rwxp 00000000 00:00 0 \n");
      const result = await audit(createProcessContext(openProcFs(treeRoot)), { rules: ["rwx-memory"], pids: [PID] });
      expect(result.findings).toContainEqual(expect.objectContaining({ rule: "rwx-memory", pid: PID }));
      expect(result.notChecked.reasons).toEqual({ "maps: lines that did not parse were skipped": 1 });
    } finally {
      fs.rmSync(treeRoot, { recursive: true, force: true });
    }
  });
});
