/**
 * `procscope exporter` against Debian's prometheus-process-exporter on the same config (every
 * process grouped by comm) with 1000 extra idle processes: wall time of a /metrics scrape and CPU
 * per scrape of each exporter (utime+stime of its process over the scrapes), scraped in turns;
 * and our exporter's resident memory after the scrapes (goal: under 80 MiB).
 *
 *   node bench/exporter.mjs      (after `npm run build`)
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { BIN, CLEAN_ENV, median, requireTool, startIdleProcesses } from "./_util.mjs";

const CONFIG = "process_names:\n  - name: '{{.Comm}}'\n    cmdline: ['.*']\n";
const SCRAPES = 15;

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor(url) {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

async function start(name, command, args, port) {
  const child = spawn(command, args, { stdio: "ignore", env: CLEAN_ENV });
  const url = `http://127.0.0.1:${port}/metrics`;
  await waitFor(url);
  return { name, child, url };
}

function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function statusKb(pid, key) {
  return Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
}

/** Scrapes each exporter SCRAPES times in turns; per exporter, median wall ms and mean CPU ms per scrape. */
async function scrapeInTurns(exporters) {
  const walls = exporters.map(() => []);
  for (const e of exporters) await (await fetch(e.url)).text(); // first scrape: baseline, caches
  const cpuBefore = exporters.map((e) => cpuSeconds(e.child.pid));
  for (let i = 0; i < SCRAPES; i++) {
    for (const [j, e] of exporters.entries()) {
      const t0 = process.hrtime.bigint();
      const body = await (await fetch(e.url)).text();
      walls[j].push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (body.length < 1000) throw new Error(`${e.name}: short scrape`);
    }
  }
  return exporters.map((e, j) => ({ wall: median(walls[j]), cpu: ((cpuSeconds(e.child.pid) - cpuBefore[j]) * 1000) / SCRAPES }));
}

export async function run(report) {
  requireTool("prometheus-process-exporter", "prometheus-process-exporter");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-bench-exporter-"));
  const config = path.join(dir, "config.yml");
  fs.writeFileSync(config, CONFIG);
  const crowd = await startIdleProcesses(1000);
  const running = [];
  try {
    const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
    running.push(await start("procscope", process.execPath, [BIN, "exporter", "--listen", `127.0.0.1:${p1}`, "--config", config], p1));
    running.push(
      await start(
        "process-exporter (defaults)",
        "prometheus-process-exporter",
        [`-config.path=${config}`, `-web.listen-address=127.0.0.1:${p2}`],
        p2,
      ),
    );
    running.push(
      await start(
        "process-exporter -threads=false -gather-smaps=false",
        "prometheus-process-exporter",
        [`-config.path=${config}`, `-web.listen-address=127.0.0.1:${p3}`, "-threads=false", "-gather-smaps=false"],
        p3,
      ),
    );
    const [ours, theirs, theirsLean] = await scrapeInTurns(running);
    const rssMiB = statusKb(running[0].child.pid, "VmRSS") / 1024;
    const hwmMiB = statusKb(running[0].child.pid, "VmHWM") / 1024;
    // Anonymous (V8's heap, malloc) against file-backed (the node binary's code pages, ~40 MiB of
    // the total, shared with every other node process): only the first is the exporter's doing.
    const anonMiB = statusKb(running[0].child.pid, "RssAnon") / 1024;
    const fileMiB = statusKb(running[0].child.pid, "RssFile") / 1024;
    const note = `CPU/scrape: ours ${ours.cpu.toFixed(1)} ms`;
    report("exporter /metrics scrape, 1000+ processes", {
      ours: ours.wall,
      peer: theirs.wall,
      peerName: "process-exporter (defaults)",
      note: `${note}, theirs ${theirs.cpu.toFixed(1)} ms`,
    });
    report("exporter /metrics scrape, 1000+ processes", {
      ours: ours.wall,
      peer: theirsLean.wall,
      peerName: "process-exporter -threads=false -gather-smaps=false",
      note: `${note}, theirs ${theirsLean.cpu.toFixed(1)} ms`,
    });
    report("exporter CPU per scrape, 1000+ processes", {
      ours: ours.cpu,
      peer: theirs.cpu,
      peerName: "process-exporter (defaults)",
      note: `exporter RSS ${rssMiB.toFixed(1)} MiB (anon ${anonMiB.toFixed(1)}, file ${fileMiB.toFixed(1)}; peak ${hwmMiB.toFixed(1)} MiB); goal < 80 MiB; load ${fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
    });
  } finally {
    for (const r of running) r.child.kill("SIGKILL");
    crowd.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printReport } = await import("./run.mjs");
  await printReport([run]);
}
