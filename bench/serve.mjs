/**
 * `procscope serve` against Glances' web server (`glances -w`, its REST API) with 1000 extra idle
 * processes:
 *  - latency of `GET /api/processes` against Glances' process list (`/api/3/processlist` on the
 *    Glances 3 Debian ships; the version is probed), requests alternated, each after a pause longer
 *    than Glances' refresh time so it answers with a fresh list (as it does for a UI that polls at
 *    1 s), and back to back (Glances then answers from its cache);
 *  - CPU used per second by each server while one client streams: ours `/api/events` at 1 s,
 *    Glances polled for its process list every second (as its web UI does); windows alternated.
 * Goal: /api/processes ≥ 3x faster than Glances' fresh process list, and less CPU per second.
 *
 * The soak (not in CI, not in a plain `npm run bench`): `npm run bench -- --soak [--minutes N]`
 * (default 60) samples the server's RSS while a client streams /api/events, processes start and exit
 * around it, and says whether the RSS stays flat.
 *
 *   node bench/serve.mjs [--soak [--minutes N]]      (after `npm run build`; needs glances, gcc)
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BIN, CLEAN_ENV, median, startIdleProcesses } from "./_util.mjs";

const CLK_TCK = 100;
const PAGE_SIZE = 4096;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of a process and its threads, in milliseconds. */
function cpuMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

function rssBytes(pid) {
  return Number(fs.readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]) * PAGE_SIZE;
}

/** Polls `probe` until it resolves true (or throws after `ms`). */
async function until(what, probe, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** `procscope serve` on a free port; resolves when it prints its URL. */
export async function startOurs(dir) {
  const child = spawn(
    process.execPath,
    [BIN, "serve", "--port", "0", "--token-file", path.join(dir, "token"), "--audit-log", path.join(dir, "audit.jsonl")],
    { stdio: ["ignore", "pipe", "inherit"], env: { ...CLEAN_ENV, XDG_STATE_HOME: path.join(dir, "state") } },
  );
  const url = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /procscope: serving (\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`procscope serve exited (${code}) before it served`)));
  });
  const parsed = new URL(url);
  const base = `${parsed.protocol}//${parsed.host}`;
  const headers = { authorization: `Bearer ${parsed.searchParams.get("token")}` };
  return { child, pid: child.pid, base, headers, stop: () => child.kill("SIGTERM") };
}

function freePort() {
  // Glances takes a port number: ask the kernel for a free one through a short-lived server.
  const result = spawnSync(
    process.execPath,
    ["-e", "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"],
    { encoding: "utf8" },
  );
  return Number(result.stdout.trim());
}

/** Glances' web server (REST API only, refreshing every second); resolves when its API answers. */
async function startGlances() {
  if (spawnSync("sh", ["-c", "command -v glances"]).status !== 0)
    throw new Error("glances is missing: apt-get install -y glances python3-bottle (Debian's glances and its web framework)");
  const port = freePort();
  const child = spawn(
    "glances",
    ["-w", "--disable-webui", "-B", "127.0.0.1", "-p", String(port), "-t", "1", "--disable-autodiscover", "--disable-check-update"],
    { stdio: ["ignore", "ignore", "pipe"], env: CLEAN_ENV, detached: true },
  );
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const base = `http://127.0.0.1:${port}`;
  let version = null;
  try {
    await until("glances -w to answer", async () => {
      if (child.exitCode !== null) throw new Error(`glances -w exited: ${stderr.slice(-500)}`);
      for (const v of [4, 3]) {
        const response = await fetch(`${base}/api/${v}/processlist`);
        await response.arrayBuffer();
        if (response.ok) {
          version = v;
          return true;
        }
      }
      return false;
    });
  } catch (error) {
    if (child.exitCode !== null) throw new Error(`glances -w exited: ${stderr.slice(-500)}`);
    throw error;
  }
  const stop = async () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    await Promise.race([exited, sleep(5000)]);
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  };
  return { child, pid: child.pid, base, path: `/api/${version}/processlist`, version, stop };
}

/** Wall time (ms) of one GET, the whole body read; fails unless 200. */
async function timeGet(url, headers = {}) {
  const start = performance.now();
  const response = await fetch(url, { headers });
  const body = await response.arrayBuffer();
  const ms = performance.now() - start;
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${Buffer.from(body).toString().slice(0, 200)}`);
  return { ms, bytes: body.byteLength, count: JSON.parse(Buffer.from(body).toString()).length };
}

/**
 * Reads an SSE stream until aborted; counts snapshot events, remembers when the last one came (a
 * server that stops sending shows as a gap) and why the stream ended if it ended early.
 */
function streamEvents(ours) {
  const controller = new AbortController();
  let snapshots = 0;
  let lastSnapshotAt = performance.now();
  let longestGapMs = 0;
  let failure = null;
  const done = (async () => {
    const response = await fetch(`${ours.base}/api/events`, { headers: ours.headers, signal: controller.signal });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the server ended the stream");
      const count = (decoder.decode(value, { stream: true }).match(/^event: snapshot$/gm) ?? []).length;
      if (count > 0) {
        const now = performance.now();
        longestGapMs = Math.max(longestGapMs, now - lastSnapshotAt);
        lastSnapshotAt = now;
        snapshots += count;
      }
    }
  })().catch((error) => {
    if (error.name === "AbortError") return;
    // undici gives up on a body silent for 300 s ("terminated", cause UND_ERR_BODY_TIMEOUT).
    failure = `${error.message}${error.cause ? ` (${error.cause.code ?? error.cause.message})` : ""}`;
  });
  return {
    snapshots: () => snapshots,
    /** Milliseconds since the last snapshot arrived. */
    silentMs: () => performance.now() - lastSnapshotAt,
    longestGapMs: () => Math.max(longestGapMs, performance.now() - lastSnapshotAt),
    failure: () => failure,
    async stop() {
      controller.abort();
      await done;
    },
  };
}

/** Polls Glances' process list every second, as its web UI refreshes. */
function pollGlances(glances) {
  let stopped = false;
  let polls = 0;
  const done = (async () => {
    while (!stopped) {
      const started = performance.now();
      await timeGet(`${glances.base}${glances.path}`);
      polls++;
      await sleep(Math.max(0, 1000 - (performance.now() - started)));
    }
  })();
  return {
    polls: () => polls,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/** CPU ms per wall second that `pid` uses over `windowMs`, after `warmupMs` of the client running. */
async function cpuPerSecond(pid, startClient, warmupMs, windowMs) {
  const client = startClient();
  try {
    await sleep(warmupMs);
    const before = cpuMs(pid);
    const start = performance.now();
    await sleep(windowMs);
    return ((cpuMs(pid) - before) / (performance.now() - start)) * 1000;
  } finally {
    await client.stop();
  }
}

const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

export async function run(report) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-bench-serve-"));
  const glances = await startGlances();
  const crowd = await startIdleProcesses(1000);
  const ours = await startOurs(dir);
  try {
    console.log(`glances -w answers its process list at ${glances.path}; load average before: ${loadavg()}`);
    // Warm both (Glances' first list has no CPU%; our first request loads the route's code).
    await timeGet(`${ours.base}/api/processes`, ours.headers);
    await timeGet(`${glances.base}${glances.path}`);
    await sleep(1100);
    const rounds = Number(process.env.BENCH_RUNS ?? 11);
    const fresh = { ours: [], glances: [] };
    let counts = {};
    for (let i = 0; i < rounds; i++) {
      // Each after a pause longer than Glances' 1 s refresh, so it lists anew; the order alternates.
      const order = i % 2 === 0 ? ["ours", "glances"] : ["glances", "ours"];
      for (const who of order) {
        await sleep(1100);
        const result =
          who === "ours" ? await timeGet(`${ours.base}/api/processes`, ours.headers) : await timeGet(`${glances.base}${glances.path}`);
        fresh[who].push(result.ms);
        counts = { ...counts, [who]: result.count };
      }
    }
    report("GET /api/processes, 1000+ processes, 1 s apart", {
      ours: median(fresh.ours),
      peer: median(fresh.glances),
      peerName: `glances -w ${glances.path}`,
      note: `${counts.ours} vs ${counts.glances} processes listed; goal ≥ 3.00x; load ${loadavg()}`,
    });
    const cached = { ours: [], glances: [] };
    for (let i = 0; i < rounds; i++) {
      cached.ours.push((await timeGet(`${ours.base}/api/processes`, ours.headers)).ms);
      cached.glances.push((await timeGet(`${glances.base}${glances.path}`)).ms);
    }
    report("GET /api/processes, back to back", {
      ours: median(cached.ours),
      peer: median(cached.glances),
      peerName: "glances (from its cache)",
      note: "Glances answers a repeat within its refresh time from its last list; we list anew every time",
    });

    const windowMs = Number(process.env.BENCH_WINDOW_MS ?? 10_000);
    const cpu = { ours: [], glances: [] };
    for (let i = 0; i < 2; i++) {
      cpu.ours.push(await cpuPerSecond(ours.pid, () => streamEvents(ours), 3000, windowMs));
      cpu.glances.push(await cpuPerSecond(glances.pid, () => pollGlances(glances), 3000, windowMs));
    }
    report("server CPU per second, one client at 1 s", {
      ours: median(cpu.ours),
      peer: median(cpu.glances),
      peerName: "glances -w, process list polled",
      note: `CPU ms per wall second (ours: ${cpu.ours.map((c) => c.toFixed(0)).join(", ")}; glances: ${cpu.glances.map((c) => c.toFixed(0)).join(", ")}); goal ≥ 1.00x; load ${loadavg()}`,
    });
  } finally {
    ours.stop();
    crowd.stop();
    await glances.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The soak: RSS of the server sampled while one client streams /api/events and short processes
 * start and exit around it. The report gives the RSS at the start, after warm-up (the first
 * quarter), at the end, its peak and the fitted slope after warm-up. Flat: the last quarter's
 * median is within 10% (or 16 MiB) of the second quarter's and, for runs of 30 min or more, the
 * slope is under 16 MiB per hour. The stream must also keep coming: a stream that ends, or no
 * snapshot for 30 s while snapshots are due every second, fails the soak whatever the RSS does.
 */
export async function soak(minutes) {
  const durationMs = minutes * 60_000;
  const sampleMs = Math.max(1000, Math.min(30_000, durationMs / 120));
  const stallMs = 30_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-soak-"));
  const crowd = await startIdleProcesses(1000);
  const ours = await startOurs(dir);
  const stream = streamEvents(ours);
  // Churn: a short process every 200 ms, so start/exit events and the sampler's bookkeeping turn over.
  let churned = 0;
  const churn = setInterval(() => {
    spawn("sleep", ["0.5"], { stdio: "ignore" }).once("exit", () => churned++);
  }, 200);
  const samples = [];
  const stalls = [];
  const mib = (b) => b / 2 ** 20;
  console.log(`soak: ${minutes} min, RSS of procscope serve (pid ${ours.pid}) every ${(sampleMs / 1000).toFixed(0)} s; load ${loadavg()}`);
  const start = Date.now();
  try {
    while (Date.now() - start < durationMs) {
      await sleep(sampleMs);
      if (ours.child.exitCode !== null) throw new Error(`procscope serve exited (${ours.child.exitCode}) during the soak`);
      const sample = {
        seconds: (Date.now() - start) / 1000,
        rss: rssBytes(ours.pid),
        cpuMs: cpuMs(ours.pid),
        snapshots: stream.snapshots(),
      };
      samples.push(sample);
      if (stream.silentMs() > stallMs && stalls.at(-1)?.ongoing !== true)
        stalls.push({ at: sample.seconds, ongoing: true, snapshots: sample.snapshots });
      else if (stream.silentMs() <= stallMs && stalls.at(-1)?.ongoing) stalls.at(-1).ongoing = false;
      if (samples.length % 4 === 1 || Date.now() - start >= durationMs || stalls.at(-1)?.ongoing)
        console.log(
          `  t=${sample.seconds.toFixed(0).padStart(5)} s  rss ${mib(sample.rss).toFixed(1).padStart(7)} MiB  cpu ${(sample.cpuMs / 1000).toFixed(0).padStart(5)} s  snapshots ${sample.snapshots}  last ${(stream.silentMs() / 1000).toFixed(0)} s ago  processes started ${churned}  load ${loadavg()}`,
        );
      if (stream.failure() !== null) break;
    }
  } finally {
    clearInterval(churn);
    await stream.stop();
    ours.stop();
    crowd.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const early = median(samples.slice(quarter, 2 * quarter).map((s) => s.rss));
  const late = median(samples.slice(-quarter).map((s) => s.rss));
  // Least-squares slope over the samples after warm-up, in MiB per hour.
  const kept = samples.slice(quarter);
  const mx = kept.reduce((a, s) => a + s.seconds, 0) / kept.length;
  const my = kept.reduce((a, s) => a + s.rss, 0) / kept.length;
  const slope =
    kept.reduce((a, s) => a + (s.seconds - mx) * (s.rss - my), 0) /
    Math.max(
      1e-9,
      kept.reduce((a, s) => a + (s.seconds - mx) ** 2, 0),
    );
  const slopeMiBPerHour = mib(slope) * 3600;
  const growth = late - early;
  // Over a few minutes the garbage collector's sawtooth dominates the slope: judged from 30 min on.
  const slopeJudged = minutes >= 30;
  const rssFlat = growth <= Math.max(0.1 * early, 16 * 2 ** 20) && (!slopeJudged || slopeMiBPerHour < 16);
  const elapsedSeconds = (Date.now() - start) / 1000;
  const streamed = stream.snapshots();
  const streaming = stream.failure() === null && stalls.length === 0;
  const first = samples[0];
  const warm = samples[quarter - 1] ?? first;
  const last = samples.at(-1);
  const cpuPerSecond = last && warm && last.seconds > warm.seconds ? (last.cpuMs - warm.cpuMs) / (last.seconds - warm.seconds) : Number.NaN;
  console.log(
    `soak: RSS ${mib(first?.rss ?? 0).toFixed(1)} MiB at t=${first?.seconds.toFixed(0)} s, ${mib(warm?.rss ?? 0).toFixed(1)} MiB after warm-up (t=${warm?.seconds.toFixed(0)} s), ` +
      `${mib(last?.rss ?? 0).toFixed(1)} MiB at the end (t=${last?.seconds.toFixed(0)} s); medians ${mib(early).toFixed(1)} MiB (second quarter) → ${mib(late).toFixed(1)} MiB (last quarter); ` +
      `peak ${mib(Math.max(...samples.map((s) => s.rss))).toFixed(1)} MiB; slope after warm-up ${slopeMiBPerHour.toFixed(1)} MiB/h${slopeJudged ? "" : " (not judged under 30 min)"}; ${samples.length} samples: RSS ${rssFlat ? "FLAT" : "GROWING"}`,
  );
  console.log(
    `soak: ${streamed} snapshots in ${elapsedSeconds.toFixed(0)} s (${(streamed / elapsedSeconds).toFixed(2)}/s), longest gap ${(stream.longestGapMs() / 1000).toFixed(1)} s` +
      `${stalls.length ? `, no snapshot for over ${stallMs / 1000} s from t=${stalls.map((s) => s.at.toFixed(0)).join(", ")} s` : ""}` +
      `${stream.failure() ? `, the stream failed: ${stream.failure()}` : ""}; server CPU after warm-up ${cpuPerSecond.toFixed(0)} ms/s; ${churned} short processes; load ${loadavg()}: ` +
      `${streaming ? "STREAMING" : "STALLED"}`,
  );
  const flat = rssFlat && streaming;
  if (!flat) process.exitCode = 1;
  return { flat, rssFlat, streaming, early, late, slopeMiBPerHour, samples };
}

/** `--soak [--minutes N]` from argv (the minutes default to 60); null without --soak. */
export function soakMinutes(argv) {
  if (!argv.includes("--soak")) return null;
  const i = argv.indexOf("--minutes");
  const minutes = i === -1 ? 60 : Number(argv[i + 1]);
  if (!(minutes > 0)) throw new Error(`--minutes takes a positive number, got "${argv[i + 1]}"`);
  return minutes;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const minutes = soakMinutes(process.argv);
  if (minutes !== null) await soak(minutes);
  else {
    const { printReport } = await import("./run.mjs");
    await printReport([run]);
  }
}
