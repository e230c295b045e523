/** Reference servers for the exporter tests: a free port, a real Prometheus, process-exporter. */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { type LiveProcess, startProcess } from "../helpers/live.js";

/** A port nobody listens on now (bound to :0 and released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function requireBinary(name: string, pkg: string): void {
  const found = (process.env.PATH ?? "").split(":").some((dir) => fs.existsSync(path.join(dir, name)));
  if (!found) throw new Error(`${name} is not installed: run scripts/install-test-deps.sh (Debian package ${pkg})`);
}

export interface RunningPrometheus {
  readonly process: LiveProcess;
  readonly url: string;
  /** An instant PromQL query; the result vector. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
}

/**
 * Starts the Debian prometheus binary on a free port with a temporary storage directory,
 * scraping `target` (host:port) every second; resolves when it says it is ready.
 */
export async function startPrometheus(dir: string, target: string): Promise<RunningPrometheus> {
  requireBinary("prometheus", "prometheus");
  const port = await freePort();
  const config = path.join(dir, "prometheus.yml");
  fs.writeFileSync(
    config,
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: procscope\n    static_configs:\n      - targets: ["${target}"]\n`,
  );
  const storage = path.join(dir, "tsdb");
  fs.mkdirSync(storage);
  const proc = await startProcess(
    "prometheus",
    [`--config.file=${config}`, `--storage.tsdb.path=${storage}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  const url = `http://127.0.0.1:${port}`;
  await pollUntil("prometheus to be ready", async () => ((await fetch(`${url}/-/ready`)).status === 200 ? true : undefined));
  return {
    process: proc,
    url,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as {
        status: string;
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== "success") throw new Error(`query ${promql}: ${JSON.stringify(body)}`);
      return body.data.result;
    },
  };
}

/** Starts Debian's prometheus-process-exporter on a free port with `config`; resolves when it answers. */
export async function startProcessExporter(config: string, flags: readonly string[] = []): Promise<{ process: LiveProcess; url: string }> {
  requireBinary("prometheus-process-exporter", "prometheus-process-exporter");
  const port = await freePort();
  const proc = await startProcess(
    "prometheus-process-exporter",
    [`-config.path=${config}`, `-web.listen-address=127.0.0.1:${port}`, ...flags],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  const url = `http://127.0.0.1:${port}/metrics`;
  await pollUntil("process-exporter to answer", async () => ((await fetch(url)).status === 200 ? true : undefined));
  return { process: proc, url };
}
