/**
 * The whole stack on a captured tree: ProcFs(--root) → parsers → model → CLI output. The tree
 * was captured by scripts/capture-fixture.mjs with a zombie, a process named "a) (b" and one
 * whose name holds an escape sequence.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SYSTEM_FILE_NAMES } from "../../src/procfs/system-files.js";
import { runCli } from "../helpers/cli.js";
import { FIXTURE_PROC, fixtureInfo } from "../helpers/fixtures.js";

const ROOT = ["--root", FIXTURE_PROC];
const { zombieParent, parenComm, escapeComm } = fixtureInfo.special;

interface PsRow {
  pid: number;
  ppid: number;
  state: string;
  comm: string;
  cmdline: string[] | null;
  exe: string | null;
  user: string | null;
  uid: number | null;
  rssBytes: number;
  vszBytes: number;
  threads: number;
  startTime: string;
  cpuSeconds: number;
  cpuPercent: number;
  kernelThread: boolean;
  errors: Record<string, string>;
}

async function psJson(...args: string[]): Promise<PsRow[]> {
  const result = await runCli(["ps", "--json", ...ROOT, ...args]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as PsRow[];
}

function statField(pid: number, n: number): string {
  const text = fs.readFileSync(path.join(FIXTURE_PROC, String(pid), "stat"), "latin1");
  return text.slice(text.lastIndexOf(")") + 2).split(" ")[n - 3] as string;
}

describe("ps --root on the captured tree", () => {
  it("lists every process directory of the tree", async () => {
    const rows = await psJson();
    const dirs = fs
      .readdirSync(FIXTURE_PROC)
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .sort((a, b) => a - b);
    expect(rows.map((r) => r.pid)).toEqual(dirs);
  });

  it("converts kernel units with the tree's own clock ticks and page size", async () => {
    const [row] = await psJson("--pid", String(parenComm));
    expect(row).toBeDefined();
    const vmRss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(path.join(FIXTURE_PROC, String(parenComm), "status"), "utf8"))?.[1];
    expect(row?.rssBytes).toBe(Number(vmRss) * 1024);
    expect(row?.vszBytes).toBe(Number(statField(parenComm, 23)));
    expect(row?.cpuSeconds).toBeCloseTo((Number(statField(parenComm, 14)) + Number(statField(parenComm, 15))) / fixtureInfo.clockTicks, 5);
    const btime = Number(/btime (\d+)/.exec(fs.readFileSync(path.join(FIXTURE_PROC, "stat"), "utf8"))?.[1]);
    expect(Date.parse(row?.startTime ?? "")).toBe((btime + Number(statField(parenComm, 22)) / fixtureInfo.clockTicks) * 1000);
  });

  it('keeps the comm "a) (b" whole', async () => {
    const [row] = await psJson("--pid", String(parenComm));
    expect(row?.comm).toBe("a) (b");
    expect(row?.state).toBe("S");
  });

  it("shows a zombie with state Z, empty argv and the reason exe is null", async () => {
    const zombie = (await psJson()).find((r) => r.ppid === zombieParent && r.state === "Z");
    expect(zombie).toBeDefined();
    expect(zombie?.cmdline).toEqual([]);
    expect(zombie?.exe).toBeNull();
    expect(zombie?.errors.exe).toMatch(/zombie/);
  });

  it("shows kernel threads with empty argv and no executable", async () => {
    const [kthreadd] = await psJson("--pid", "2");
    expect(kthreadd?.kernelThread).toBe(true);
    expect(kthreadd?.cmdline).toEqual([]);
    expect(kthreadd?.exe).toBeNull();
    expect(kthreadd?.errors.exe).toMatch(/kernel thread/);
  });

  it("escapes a process name holding an escape sequence in the table, never printing ESC", async () => {
    const result = await runCli(["ps", ...ROOT, "--pid", String(escapeComm)]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("\u001b");
    const json = await psJson("--pid", String(escapeComm));
    expect(json[0]?.comm).toBe("x\u001b[31mred");
  });

  it("sorts, filters by user and text, and selects PIDs", async () => {
    const byRss = await psJson("--sort", "rss");
    for (let i = 1; i < byRss.length; i++) expect((byRss[i - 1] as PsRow).rssBytes).toBeGreaterThanOrEqual((byRss[i] as PsRow).rssBytes);
    const ascending = await psJson("--sort", "+rss");
    expect(ascending[0]?.rssBytes).toBe(Math.min(...byRss.map((r) => r.rssBytes)));
    const roots = await psJson("--user", "root");
    expect(roots.length).toBeGreaterThan(0);
    expect(roots.every((r) => r.user === "root")).toBe(true);
    const unknownUser = await runCli(["ps", "--json", "--user", "nosuchuser", "--root", FIXTURE_PROC]);
    expect(unknownUser.code).toBe(2);
    expect(unknownUser.stderr).toMatch(/^procscope: no user named "nosuchuser"/);
    const sleeps = await psJson("sleep 300");
    expect(sleeps.length).toBeGreaterThan(0);
    expect(sleeps.every((r) => (r.cmdline ?? []).join(" ").includes("sleep 300"))).toBe(true);
    expect((await psJson("--pid", "1,2")).map((r) => r.pid)).toEqual([1, 2]);
  });

  it("prints the table in the same order and with the same rows as --json, sorted or filtered", async () => {
    // The table takes its rows as they are read for the default sort, after sorting for others.
    for (const args of [[], ["--sort", "-pid"], ["--sort", "rss"], ["--user", "root"], ["--pid", "2,1"], ["sleep"]]) {
      const table = await runCli(["ps", ...ROOT, ...args]);
      expect(table.code).toBe(0);
      const pids = table.stdout
        .trim()
        .split("\n")
        .slice(1)
        .map((line) => Number(line.trim().split(/\s+/)[0]));
      expect(pids, args.join(" ")).toEqual((await psJson(...args)).map((r) => r.pid));
      expect(pids.length, args.join(" ")).toBeGreaterThan(0);
    }
  });

  it("fits the table to the terminal width but never truncates JSON", async () => {
    const narrow = await runCli(["ps", ...ROOT], { isTTY: true, columns: 60 });
    expect(narrow.stdout.split("\n").every((line) => line.length <= 60)).toBe(true);
    const json = await psJson("--pid", "1");
    expect((json[0]?.cmdline ?? []).join(" ").length).toBeGreaterThan(60);
  });

  it("rejects an unknown sort key with a usage error", async () => {
    const result = await runCli(["ps", ...ROOT, "--sort", "bogus"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^procscope: --sort must be one of/);
  });
});

describe("tree --root", () => {
  it("nests the zombie under its parent", async () => {
    const result = await runCli(["tree", String(zombieParent), "--json", ...ROOT]);
    expect(result.code).toBe(0);
    const forest = JSON.parse(result.stdout) as { pid: number; children: { pid: number; state: string }[] }[];
    expect(forest).toHaveLength(1);
    const node = forest[0] as (typeof forest)[number];
    expect(node.pid).toBe(zombieParent);
    expect(node.children.some((c) => c.state === "Z")).toBe(true);
  });

  it("draws every process exactly once", async () => {
    const result = await runCli(["tree", ...ROOT]);
    const pids = result.stdout
      .trim()
      .split("\n")
      .map((line) => Number(/(\d+) /.exec(line.replace(/^[^\d]*/, ""))?.[1]));
    const dirs = fs.readdirSync(FIXTURE_PROC).filter((n) => /^\d+$/.test(n));
    expect(new Set(pids).size).toBe(dirs.length);
    expect(pids.length).toBe(dirs.length);
  });

  it("exits 3 for a PID that is not in the tree", async () => {
    const result = await runCli(["tree", "999999", ...ROOT]);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe("procscope: no such process 999999\n");
  });
});

describe("show --root", () => {
  it("reads every detail of a captured process", async () => {
    const result = await runCli(["show", String(parenComm), "--json", ...ROOT]);
    expect(result.code).toBe(0);
    const d = JSON.parse(result.stdout);
    expect(d.comm).toBe("a) (b");
    expect(d.environ).not.toBeNull();
    expect(Object.values(d.environ).every((v) => v === "scrubbed")).toBe(true);
    expect(d.limits.find((l: { resource: string }) => l.resource === "RLIMIT_NOFILE")).toBeDefined();
    expect(d.namespaces.map((n: { type: string }) => n.type)).toContain("pid");
    expect(d.capabilities.effective).toContain("cap_sys_admin");
    expect(d.cwd).toBe(fs.readlinkSync(path.join(FIXTURE_PROC, String(parenComm), "cwd")));
    expect(d.nsPid).toEqual([parenComm]);
    expect(d.oomScoreAdj).toBe(Number(fs.readFileSync(path.join(FIXTURE_PROC, String(parenComm), "oom_score_adj"), "utf8")));
  });

  it("prints a text view with sections", async () => {
    const result = await runCli(["show", "1", ...ROOT]);
    expect(result.code).toBe(0);
    for (const section of ["Process 1", "Memory", "Security", "Container", "Limits", "Environment"])
      expect(result.stdout).toContain(section);
  });

  it("shows only the requested fields with --field; --json stays the whole object", async () => {
    const text = await runCli(["show", String(parenComm), "--field", "cwd", ...ROOT]);
    expect(text.stdout).toMatch(/^cwd: \//);
    expect(text.stdout).not.toMatch(/Environment|Limits/);
    const whole = JSON.parse((await runCli(["show", String(parenComm), "--json", ...ROOT])).stdout);
    const result = await runCli(["show", String(parenComm), "--json", "--field", "limits,cwd", ...ROOT]);
    const shown = JSON.parse(result.stdout);
    expect(Object.keys(shown).sort()).toEqual(Object.keys(whole).sort());
    expect(shown.limits).not.toBeNull();
    expect(shown.cwd).toBe(whole.cwd);
    const bad = await runCli(["show", String(parenComm), "--field", "nonsense", ...ROOT]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown field "nonsense"/);
  });
});

describe("sys --root", () => {
  it("summarises the captured machine", async () => {
    const result = await runCli(["sys", "--json", ...ROOT]);
    const overview = JSON.parse(result.stdout);
    expect(overview.kernel).toMatch(/^6\.18/);
    expect(overview.memory.totalBytes).toBeGreaterThan(0);
    expect(overview.processes).toBe(fs.readdirSync(FIXTURE_PROC).filter((n) => /^\d+$/.test(n)).length);
  });

  it("parses each named system file", async () => {
    for (const name of SYSTEM_FILE_NAMES) {
      const result = await runCli(["sys", name, "--json", ...ROOT]);
      expect(result.stderr, name).toBe("");
      expect(result.code, name).toBe(0);
      expect(JSON.parse(result.stdout), name).not.toBeNull();
    }
  });
});
