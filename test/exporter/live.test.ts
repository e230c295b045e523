/**
 * The exporter as users run it: the real binary on a free port, scraped over HTTP, checked by
 * promtool, with live processes the test starts; bad input refused before listening.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { AccessDenied, ProcessGone } from "../../src/errors.js";
import { parseExporterConfig } from "../../src/exporter/config.js";
import { createExporter } from "../../src/exporter/scrape.js";
import { createProcessContext } from "../../src/processes/context.js";
import { ZOMBIE_MAKER } from "../helpers/c-sources.js";
import { runBin } from "../helpers/cli.js";
import { faultyProcFs } from "../helpers/faulty-procfs.js";
import { startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";
import { NOBODY, unprivilegedCommand, worldReadableCopy } from "../helpers/unprivileged.js";
import { waitUntil } from "../helpers/wait.js";
import { parseExposition, type RunningExporterProcess, seriesValue, startExporter } from "./_metrics.js";
import { BURN_CPU_C, installWorker } from "./_worker.js";

let dir: string;
let worker: string;
let configPath: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-exporter-"));
  // A name of our own, so its group holds only what this test starts.
  worker = installWorker(dir, "pscexpw");
  configPath = path.join(dir, "config.yml");
  fs.writeFileSync(
    configPath,
    "process_names:\n  - name: 'w-{{.Comm}}'\n    comm: [pscexpw]\n  - name: '{{.Comm}}'\n    cmdline: ['.+']\n",
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function promtool(text: string): { status: number | null; output: string } {
  const r = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  if (r.error) throw new Error(`promtool is not installed: run scripts/install-test-deps.sh (${r.error.message})`);
  return { status: r.status, output: r.stdout + r.stderr };
}

describe("procscope exporter (live)", () => {
  let exporter: RunningExporterProcess;
  beforeAll(async () => {
    exporter = await startExporter(["--config", configPath]);
  });
  afterAll(async () => {
    await exporter?.process.kill("SIGTERM");
  });

  it("prints its URL with the real port, and a real scrape passes promtool check metrics", async () => {
    expect(exporter.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*\/metrics$/);
    const workers = await Promise.all([0, 1].map(() => startProcess(worker, ["0"], { ready: "burnt" })));
    const text = await exporter.scrape();
    const check = promtool(text);
    expect(check.output).toBe("");
    expect(check.status).toBe(0);
    const samples = parseExposition(text);
    expect(seriesValue(samples, "procscope_group_num_procs", { groupname: "w-pscexpw" })).toBe(2);
    expect(seriesValue(samples, "procscope_group_num_threads", { groupname: "w-pscexpw" })).toBe(2);
    expect(seriesValue(samples, "procscope_host_processes")).toBeGreaterThan(2);
    await Promise.all(workers.map((w) => w.kill()));
  });

  it("answers OpenMetrics when the scraper asks for it", async () => {
    const response = await fetch(exporter.url, { headers: { accept: "application/openmetrics-text;version=1.0.0,text/plain;q=0.5" } });
    expect(response.headers.get("content-type")).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    const text = await response.text();
    expect(text).toMatch(/^# TYPE procscope_group_cpu_seconds counter$/m);
    expect(text.endsWith("# EOF\n")).toBe(true);
  });

  it("reveals nothing but /metrics", async () => {
    expect((await fetch(new URL("/debug", exporter.url))).status).toBe(404);
    expect((await fetch(exporter.url, { method: "POST" })).status).toBe(405);
    const text = await exporter.scrape();
    // Only group names, pids of --per-process groups and fixed words are label values.
    expect(text).not.toContain(worker);
  });

  it("reports its own process as client libraries do (process_*), read from its own /proc entry", async () => {
    const pid = exporter.process.pid;
    const hz = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout);
    const ticks = (stat: string) => stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cpuOf = (fields: string[]) => (Number(fields[11]) + Number(fields[12])) / hz;
    const cpuBefore = cpuOf(ticks(fs.readFileSync(`/proc/${pid}/stat`, "utf8")));
    const samples = parseExposition(await exporter.scrape());
    const stat = ticks(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    const vmRss = Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) * 1024;
    const btime = Number(/^btime (\d+)/m.exec(fs.readFileSync("/proc/stat", "utf8"))?.[1]);
    const softFdLimit = Number(/^Max open files\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/limits`, "utf8"))?.[1]);
    const fdsNow = fs.readdirSync(`/proc/${pid}/fd`).length;

    const cpu = seriesValue(samples, "process_cpu_seconds_total") as number;
    expect(cpu).toBeGreaterThanOrEqual(cpuBefore);
    expect(cpu).toBeLessThanOrEqual(cpuOf(stat));
    expect(seriesValue(samples, "process_start_time_seconds")).toBeCloseTo(btime + Number(stat[19]) / hz, 2);
    expect(seriesValue(samples, "process_max_fds")).toBe(softFdLimit);
    // During the scrape it also held the scraper's socket and the /proc directories it was reading.
    expect(seriesValue(samples, "process_open_fds")).toBeGreaterThanOrEqual(fdsNow - 1);
    expect(seriesValue(samples, "process_open_fds")).toBeLessThanOrEqual(fdsNow + 4);
    const resident = seriesValue(samples, "process_resident_memory_bytes") as number;
    expect(Math.abs(resident - vmRss) / vmRss).toBeLessThan(0.25);
    expect(seriesValue(samples, "process_virtual_memory_bytes")).toBeGreaterThan(resident);
    expect(seriesValue(samples, "nodejs_heap_size_used_bytes")).toBeLessThanOrEqual(
      seriesValue(samples, "nodejs_heap_size_total_bytes") as number,
    );
  });

  it("keeps V8's young generation at its initial size, scrape after scrape (the launcher's memory flags took effect)", async () => {
    // V8's default lets the young generation grow to 32 MiB; under that default it had grown to 4 MiB after one scrape of
    // this machine and to 16 MiB after about a dozen. The exporter's memory goal (under 80 MiB with 1000 extra
    // processes, bench/exporter.mjs) depends on it staying at 2 MiB.
    const sizes: number[] = [];
    for (let i = 0; i < 8; i++)
      sizes.push(seriesValue(parseExposition(await exporter.scrape()), "nodejs_heap_space_size_total_bytes", { space: "new" }) as number);
    expect(
      sizes.every((size) => size > 0 && size <= 2 * 1024 * 1024),
      `young generation sizes: ${sizes.join(", ")}`,
    ).toBe(true);
  });

  it("keeps group counters monotonic while members burn CPU, exit and start", async () => {
    const read = async () => {
      const s = parseExposition(await exporter.scrape());
      const g = { groupname: "w-pscexpw" };
      return {
        procs: seriesValue(s, "procscope_group_num_procs", g) ?? 0,
        cpu:
          (seriesValue(s, "procscope_group_cpu_seconds_total", { ...g, mode: "user" }) ?? 0) +
          (seriesValue(s, "procscope_group_cpu_seconds_total", { ...g, mode: "system" }) ?? 0),
        faults: seriesValue(s, "procscope_group_minor_page_faults_total", g) ?? 0,
      };
    };
    const before = await read();
    let last = before;
    for (let round = 0; round < 3; round++) {
      const burners = await Promise.all([0, 1].map(() => startProcess(worker, ["150"], { ready: "burnt" })));
      const during = await read();
      expect(during.procs).toBe(2);
      await Promise.all(burners.map((b) => b.kill()));
      const after = await read();
      expect(after.procs).toBe(0);
      for (const r of [during, after]) {
        expect(r.cpu).toBeGreaterThanOrEqual(last.cpu);
        expect(r.faults).toBeGreaterThanOrEqual(last.faults);
        last = r;
      }
    }
    // Six workers burnt 150 ms of CPU each (stat rounds each down to a 10 ms tick): the group kept it after they exited.
    expect(last.cpu - before.cpu).toBeGreaterThanOrEqual(0.8);
  });

  it("is not blocked by a scraper that never reads its answer or never finishes its request", async () => {
    const { port } = new URL(exporter.url);
    const stuck = net.connect(Number(port), "127.0.0.1");
    await new Promise<void>((resolve) => stuck.once("connect", () => resolve()));
    stuck.pause();
    stuck.write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    const half = net.connect(Number(port), "127.0.0.1");
    await new Promise<void>((resolve) => half.once("connect", () => resolve()));
    half.write("GET /metrics HTTP/1.1\r\nHos");
    const started = performance.now();
    const text = await exporter.scrape();
    expect(text).toContain("procscope_group_num_procs");
    expect(performance.now() - started).toBeLessThan(5000);
    stuck.destroy();
    half.destroy();
  });

  it("scrapes without error while 1000 processes are created and killed, counters never going back", async () => {
    // Rounds of 500 workers started then killed, until told to stop at a round's end: a scrape
    // slowed by a loaded machine may miss a whole round, so the storm goes on until the scrapes
    // have seen it (and two rounds, 1000 processes, have come and gone).
    const stopFile = path.join(dir, "stop-storm");
    const storm = await startProcess(
      "sh",
      [
        "-c",
        `while [ ! -e ${stopFile} ]; do i=0; pids=; while [ $i -lt 500 ]; do ${worker} 0 >/dev/null & pids="$pids $!"; i=$((i+1)); done; kill -9 $pids; wait; echo round; done; echo done`,
      ],
      {},
    );
    const lastByGroup = new Map<string, number>();
    let scrapes = 0;
    let mostSeen = 0;
    const rounds = () => storm.output().split("round").length - 1;
    try {
      while (!(rounds() >= 2 && scrapes >= 3 && mostSeen > 10)) {
        const text = await exporter.scrape();
        scrapes++;
        const samples = parseExposition(text);
        mostSeen = Math.max(mostSeen, seriesValue(samples, "procscope_group_num_procs", { groupname: "w-pscexpw" }) ?? 0);
        for (const s of samples) {
          if (!s.name.endsWith("_total") || s.name === "procscope_scrape_errors_total") continue;
          const key = `${s.name}${JSON.stringify(s.labels)}`;
          expect(s.value).toBeGreaterThanOrEqual(lastByGroup.get(key) ?? 0);
          lastByGroup.set(key, s.value);
        }
        if (scrapes > 500) throw new Error(`500 scrapes saw at most ${mostSeen} of the storm's processes in ${rounds()} rounds`);
      }
    } finally {
      fs.writeFileSync(stopFile, "");
      await storm.waitFor(/done/, 60_000);
      await storm.kill();
    }
    // The scrapes raced the storm: they saw its processes.
    expect(mostSeen).toBeGreaterThan(10);
  }, 120_000);
});

/** The vfork parent waits for its child in uninterruptible sleep (D) until the child execs or exits; the child pauses. */
const VFORK_BLOCKER = String.raw`
#include <stdio.h>
#include <unistd.h>
int main(void) {
  printf("ready\n"); fflush(stdout);
  if (vfork() == 0) { for (;;) pause(); }
  return 0;
}
`;

/** Holds a deleted 1 MiB file open and listens on TCP and on a UNIX socket. */
const HOLDER = `
const fs = require("node:fs"), net = require("node:net"), path = require("node:path");
const dir = process.argv[1];
const file = path.join(dir, "held");
const fd = fs.openSync(file, "w+");
fs.writeSync(fd, Buffer.alloc(1 << 20, 1));
fs.unlinkSync(file);
const tcp = net.createServer().listen(0, "127.0.0.1", () => {
  const unix = net.createServer().listen(path.join(dir, "sock"), () => console.log("ready"));
});
`;

/** Waits for a line on stdin, forks a child that burns argv[1] ms of CPU and exits, reaps it, says "reaped". */
const FORKER = String.raw`${BURN_CPU_C}
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
  long ms = argc > 1 ? atol(argv[1]) : 300;
  char line[16];
  printf("ready\n"); fflush(stdout);
  if (!fgets(line, sizeof line, stdin)) return 1;
  pid_t child = fork();
  if (child == 0) {
    burn_cpu(ms);
    _exit(0);
  }
  int status;
  if (waitpid(child, &status, 0) != child) return 1;
  printf("reaped\n"); fflush(stdout);
  for (;;) pause();
}
`;

/** Zombies on the host now, read from /proc directly. */
function zombiesNow(): number {
  let count = 0;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "latin1");
      if (stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z") count++;
    } catch {
      // exited while we looked
    }
  }
  return count;
}

describe("procscope exporter (live): children, zombies, denied", () => {
  let exporter: RunningExporterProcess;
  beforeAll(async () => {
    exporter = await startExporter(["--config", configPath]);
  });
  afterAll(async () => {
    await exporter?.process.kill("SIGTERM");
  });

  it("adds the CPU of a member's child that exited and was waited for to procscope_group_children_cpu_seconds_total", async () => {
    const forkerPath = path.join(dir, "pscfork");
    fs.copyFileSync(compileC("exporter-forker", FORKER), forkerPath);
    fs.chmodSync(forkerPath, 0o755);
    const forker = await startProcess(forkerPath, ["300"], { ready: "ready" });
    const childrenCpu = async () => {
      const samples = parseExposition(await exporter.scrape());
      const g = { groupname: "pscfork" };
      return (
        (seriesValue(samples, "procscope_group_children_cpu_seconds_total", { ...g, mode: "user" }) as number) +
        (seriesValue(samples, "procscope_group_children_cpu_seconds_total", { ...g, mode: "system" }) as number)
      );
    };
    const before = await childrenCpu();
    expect(before).toBe(0);
    forker.child.stdin?.write("go\n");
    await forker.waitFor("reaped");
    // 300 ms burnt by the child, which no scrape saw alive; stat rounds down to a 10 ms tick.
    expect((await childrenCpu()) - before).toBeGreaterThanOrEqual(0.28);
    await forker.kill();
  });

  it("counts the host's zombies, ours among them", async () => {
    const maker = compileC("zombie-maker", ZOMBIE_MAKER);
    const parents = await Promise.all([0, 1, 2].map(() => startProcess(maker, [], { ready: "ready" })));
    // Other tests make and reap zombies too: compare when /proc says the same before and after.
    let exported = -1;
    let direct = -2;
    for (let attempt = 0; attempt < 20 && exported !== direct; attempt++) {
      const before = zombiesNow();
      const samples = parseExposition(await exporter.scrape());
      const after = zombiesNow();
      if (before !== after) continue;
      direct = before;
      exported = seriesValue(samples, "procscope_host_zombies") as number;
    }
    expect(direct).toBeGreaterThanOrEqual(3);
    expect(exported).toBe(direct);
    await Promise.all(parents.map((p) => p.kill()));
  });

  it("run as uid 65534, counts the processes it may not read under reason denied, and still answers", async () => {
    if (process.getuid?.() !== 0) throw new Error("this test needs root to switch to uid 65534 (run the suite as root, as CI does)");
    const bin = path.join(worldReadableCopy(), "dist/bin/procscope.cjs");
    const nobody = await startProcess(
      "setpriv",
      [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", process.execPath, bin, "exporter", "--listen", "127.0.0.1:0"],
      { ready: /metrics at http:\/\/\S+\n/ },
    );
    try {
      const url = (/metrics at (http:\/\/\S+)\n/.exec(nobody.output()) as RegExpExecArray)[1] as string;
      const response = await fetch(url);
      expect(response.status).toBe(200);
      const samples = parseExposition(await response.text());
      // Root's processes' io, fd/ and environ are closed to nobody.
      expect(seriesValue(samples, "procscope_scrape_errors_total", { reason: "denied" })).toBeGreaterThan(0);
      expect(seriesValue(samples, "procscope_denied_processes")).toBeGreaterThan(0);
      expect(seriesValue(samples, "procscope_host_processes")).toBeGreaterThan(0);
    } finally {
      await nobody.kill("SIGTERM");
    }
  });

  it("run as uid 65534 under a hidepid=2 /proc, says at start that it sees only its user's processes", async () => {
    const [command, args, env] = unprivilegedCommand(["exporter", "--listen", "127.0.0.1:0"], { hidepid: 2 });
    const hidden = await startProcess(command, args, { env, ready: /metrics at http:\/\/\S+\n/, stdio: ["pipe", "pipe", "pipe"] });
    try {
      let stderr = "";
      hidden.child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      await waitUntil("the hidepid notice", () => stderr.includes("\n"));
      expect(stderr).toBe(
        "procscope: /proc is mounted with hidepid=invisible: other users' processes are not listed: the metrics cover this user's processes only\n",
      );
      const url = (/metrics at (http:\/\/\S+)\n/.exec(hidden.output()) as RegExpExecArray)[1] as string;
      const samples = parseExposition(await (await fetch(url)).text());
      // Itself, and whatever else runs as nobody now; never root's processes.
      expect(seriesValue(samples, "procscope_host_processes")).toBeLessThan(10);
      expect(seriesValue(samples, "procscope_group_num_procs", { groupname: "node" })).toBeGreaterThanOrEqual(1);
    } finally {
      await hidden.kill("SIGTERM");
    }
  });

  it("run as uid 65534 with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH (the documented unit), reads what root reads", async () => {
    if (process.getuid?.() !== 0) throw new Error("this test needs root to switch to uid 65534 (run the suite as root, as CI does)");
    // A root process of a group of its own, holding its three stdio fds and one more.
    const sleeper = path.join(dir, "pscapsw");
    fs.copyFileSync(fs.realpathSync("/bin/sh"), sleeper);
    fs.chmodSync(sleeper, 0o755);
    const member = await startProcess(sleeper, ["-c", "exec 3</dev/null; echo ready; read x"], { ready: "ready" });
    const bin = path.join(worldReadableCopy(), "dist/bin/procscope.cjs");
    const caps = "+sys_ptrace,+dac_read_search";
    const withCaps = await startProcess(
      "setpriv",
      [
        `--reuid=${NOBODY}`,
        `--regid=${NOBODY}`,
        "--clear-groups",
        `--inh-caps=${caps}`,
        `--ambient-caps=${caps}`,
        process.execPath,
        bin,
        "exporter",
        "--listen",
        "127.0.0.1:0",
      ],
      { ready: /metrics at http:\/\/\S+\n/ },
    );
    try {
      const url = (/metrics at (http:\/\/\S+)\n/.exec(withCaps.output()) as RegExpExecArray)[1] as string;
      const capsSamples = parseExposition(await (await fetch(url)).text());
      const rootSamples = parseExposition(await exporter.scrape());
      expect(seriesValue(capsSamples, "procscope_group_num_procs", { groupname: "pscapsw" })).toBe(1);
      expect(seriesValue(capsSamples, "procscope_group_open_filedesc", { groupname: "pscapsw" })).toBe(
        fs.readdirSync(`/proc/${member.pid}/fd`).length,
      );
      // Without the capabilities nobody is denied every root process (the test above, dozens); with them, no more
      // than root is. The two scrapes are moments apart and other test files start processes meanwhile: a couple of
      // processes either side are allowed.
      expect(seriesValue(capsSamples, "procscope_denied_processes")).toBeLessThanOrEqual(
        (seriesValue(rootSamples, "procscope_denied_processes") as number) + 2,
      );
      expect(seriesValue(capsSamples, "procscope_host_processes")).toBeGreaterThan(20);
    } finally {
      await withCaps.kill("SIGTERM");
      await member.kill();
    }
  });
});

describe("what process-exporter lacks", () => {
  it("reports deleted-open bytes, listening sockets and blocked tasks per group, and host-wide", async () => {
    const blockerPath = path.join(dir, "pscblock");
    fs.copyFileSync(compileC("exporter-vfork", VFORK_BLOCKER), blockerPath);
    fs.chmodSync(blockerPath, 0o755);
    const holderDir = fs.mkdtempSync(path.join(dir, "holder-"));
    const config = path.join(dir, "extra.yml");
    fs.writeFileSync(
      config,
      "process_names:\n  - name: blocker\n    comm: [pscblock]\n  - name: holder\n    cmdline: ['pscholder-marker']\n",
    );
    const blocker = await startProcess(blockerPath, [], { ready: "ready" });
    const holder = await startProcess(process.execPath, ["-e", HOLDER, holderDir, "pscholder-marker"], { ready: "ready" });
    const exp = createExporter(createProcessContext(openProcFs()), { config: parseExporterConfig(fs.readFileSync(config, "utf8")) });
    // The vfork parent reaches D as soon as its child runs: wait on its state, not a fixed time.
    const deadline = Date.now() + 10_000;
    let e = exp.collect();
    const blocked = () => e.snapshot.groups.find((g) => g.name === "blocker")?.blockedTasks ?? 0;
    while (blocked() < 1 && Date.now() < deadline) e = exp.collect();
    const group = (name: string) => e.snapshot.groups.find((g) => g.name === name);
    expect(group("blocker")?.blockedTasks).toBe(1);
    expect(group("blocker")?.states.Waiting).toBe(1);
    expect(group("blocker")?.numProcs).toBe(2);
    expect(e.host.blockedTasks).toBeGreaterThanOrEqual(1);
    expect(group("holder")?.deletedOpenBytes).toBe(1 << 20);
    expect(group("holder")?.listeningSockets).toBe(2);
    expect(group("holder")?.blockedTasks).toBe(0);
    await holder.kill();
    await blocker.kill();
  });
});

describe("procscope exporter (bad input, before listening)", () => {
  const cases: [string, string, RegExp][] = [
    ["not YAML", "process_names: [\n", /is not valid YAML/],
    [
      "an invalid regex",
      "process_names:\n  - comm: [a]\n  - cmdline: ['(a']\n",
      /^procscope: config "[^"]+": process_names\[1\]: invalid cmdline regex "\(a": missing closing \)$/m,
    ],
    [
      "a Go regex JavaScript cannot say",
      "process_names:\n  - cmdline: ['(?P<1a>x)']\n",
      /^procscope: config "[^"]+": process_names\[0\]: cmdline regex "\(\?P<1a>x\)" has no JavaScript equivalent: /m,
    ],
    ["an unknown template field", "process_names:\n  - comm: [a]\n    name: '{{.Foo}}'\n", /unknown template field "\{\{\.Foo\}\}"/],
  ];
  it.each(cases)("a config with %s: one line and exit 2", async (_what, text, message) => {
    const file = path.join(dir, `bad-${Math.random()}.yml`);
    fs.writeFileSync(file, text);
    const r = await runBin(["exporter", "--listen", "127.0.0.1:0", "--config", file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("a port in use: one line and exit 1", async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", () => resolve()));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const r = await runBin(["exporter", "--listen", `127.0.0.1:${port}`]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`procscope: cannot listen on 127.0.0.1:${port}: the port is in use\n`);
    } finally {
      busy.close();
    }
  });

  it("a malformed --listen: exit 2", async () => {
    const r = await runBin(["exporter", "--listen", "nonsense"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/listen address must be HOST:PORT/);
  });
});

describe("createExporter() with faults", () => {
  it("counts a process that vanishes mid-scrape instead of failing the scrape", async () => {
    const target = await startProcess(worker, ["0"], { ready: "burnt" });
    let vanish = false;
    const procFs = faultyProcFs(openProcFs(), (pid, name) =>
      vanish && pid === target.pid && name === "io" ? new ProcessGone(pid, { path: `${pid}/io` }) : undefined,
    );
    const exp = createExporter(createProcessContext(procFs), { config: parseExporterConfig("process_names:\n  - comm: [pscexpw]\n") });
    const first = exp.collect();
    expect(first.snapshot.groups.find((g) => g.name === "pscexpw")?.numProcs).toBe(1);
    vanish = true;
    const second = exp.collect();
    expect(second.scrapeErrors.vanished).toBeGreaterThan(first.scrapeErrors.vanished ?? 0);
    expect(second.snapshot.groups.find((g) => g.name === "pscexpw")?.numProcs).toBe(0);
    await target.kill();
  });

  it("counts a process that stays unreadable once in its life under reason denied, and shows it in procscope_denied_processes", async () => {
    const targets = [await startProcess(worker, ["0"], { ready: "burnt" })];
    const deniedPids = new Set<number>();
    const procFs = faultyProcFs(openProcFs(), (pid, name) =>
      deniedPids.has(pid) && name === "io" ? new AccessDenied(`${pid}/io`, "permission denied (EACCES)") : undefined,
    );
    const exp = createExporter(createProcessContext(procFs), { config: parseExporterConfig("process_names:\n  - comm: [pscexpw]\n") });
    const before = exp.collect();
    deniedPids.add((targets[0] as { pid: number }).pid);
    const first = exp.collect();
    const counted = (first.scrapeErrors.denied ?? 0) - (before.scrapeErrors.denied ?? 0);
    expect(counted).toBe(1);
    expect(first.deniedProcesses).toBe(before.deniedProcesses + 1);
    // Still unreadable, scrape after scrape: counted once, shown every time.
    for (let i = 0; i < 3; i++) {
      const again = exp.collect();
      expect(again.scrapeErrors.denied).toBe(first.scrapeErrors.denied);
      expect(again.deniedProcesses).toBe(first.deniedProcesses);
    }
    const text = exp.scrape(false);
    expect(seriesValue(parseExposition(text), "procscope_scrape_errors_total", { reason: "denied" })).toBe(first.scrapeErrors.denied ?? 0);
    expect(seriesValue(parseExposition(text), "procscope_denied_processes")).toBe(first.deniedProcesses);
    // Another unreadable process counts again; the one that exits is no longer shown.
    const second = await startProcess(worker, ["0"], { ready: "burnt" });
    targets.push(second);
    deniedPids.add(second.pid);
    await (targets[0] as { kill: () => Promise<void> }).kill();
    const after = exp.collect();
    expect(after.scrapeErrors.denied).toBe((first.scrapeErrors.denied ?? 0) + 1);
    expect(after.deniedProcesses).toBe(first.deniedProcesses);
    await second.kill();
  });
});
