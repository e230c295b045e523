/**
 * The API against a real `procscope serve` process and live processes this test starts: each
 * endpoint answers what the matching CLI command prints with --json, every error status, the
 * event stream, a clean stop, a port in use.
 */

import { randomBytes } from "node:crypto";
import { once } from "node:events";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redactSecrets } from "../../src/server/respond.js";
import { runBin } from "../helpers/cli.js";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";
import { HEAP_MARKER_SOURCE, type RunningServer, startServer } from "../helpers/serve.js";

/** 8 GiB of untouched private memory: reading it (zero pages) takes seconds, and allocates nothing. */
const BIG_MAPPING_SOURCE = String.raw`
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
int main(void) {
  size_t size = (size_t)8 << 30;
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) { perror("mmap"); return 1; }
  printf("ready %p\n", p);
  fflush(stdout);
  for (;;) pause();
}
`;
const MARKER = `PROCSCOPE-API-HEAP-${process.pid}-MARKER`;
let server: RunningServer;
let helper: LiveProcess;
let ticks: number;

beforeAll(async () => {
  const binary = compileC("heap-marker", HEAP_MARKER_SOURCE);
  [server, helper] = await Promise.all([startServer(), startProcess(binary, [MARKER], { ready: "ready" })]);
  ticks = startTicks(helper.pid);
});
afterAll(() => {
  if (server) fs.rmSync(server.dir, { recursive: true, force: true });
});

function startTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
}

async function getJson(path: string): Promise<unknown> {
  const response = await server.api(path);
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return response.json();
}

/** What the CLI prints with --json, with the secrets the API hides hidden (PASS in a name, ...). */
async function cliJson(args: readonly string[]): Promise<unknown> {
  const result = await runBin([...args, "--json"]);
  expect(result.code, result.stderr).toBe(0);
  return redactSecrets(JSON.parse(result.stdout)).value;
}

/**
 * Lifetime CPU% (cpuSeconds over seconds since start) of a helper a few seconds old moves between
 * two reads a second apart (10 ms of start-up over 2 s is 0.5%, over 5 s 0.2%): left out of comparisons.
 */
function withoutLifetimeCpu(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, v) => (key === "cpuPercent" ? undefined : v)));
}

async function errorOf(path: string, init?: RequestInit): Promise<{ status: number; kind: string; message: string }> {
  const response = await server.api(path, init);
  const body = (await response.json()) as { error: { kind: string; message: string } };
  expect(Object.keys(body)).toEqual(["error"]);
  return { status: response.status, ...body.error };
}

describe("procscope serve API", () => {
  it("prints one start line with the real port and a token of at least 128 bits", () => {
    expect(server.process.output()).toMatch(/^procscope: serving http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{22,}\n$/);
    expect(Buffer.from(server.token, "base64url").length).toBeGreaterThanOrEqual(16);
    expect(fs.statSync(`${server.dir}/token`).mode & 0o777).toBe(0o600);
  });

  it("GET /api/processes equals ps --json", async () => {
    // The helper sleeps in pause(): nothing in its row changes between the two reads.
    const api = await getJson(`/api/processes?pid=${helper.pid}`);
    expect(withoutLifetimeCpu(api)).toEqual(withoutLifetimeCpu(await cliJson(["ps", "--pid", String(helper.pid)])));
    const two = (await getJson(`/api/processes?pid=${helper.pid},1&sort=-pid`)) as { pid: number }[];
    expect(two.map((p) => p.pid)).toEqual([helper.pid, 1]);
    const all = (await getJson("/api/processes")) as { pid: number }[];
    expect(all.some((p) => p.pid === helper.pid)).toBe(true);
    const filtered = (await getJson(`/api/processes?filter=${MARKER}`)) as { pid: number }[];
    expect(filtered.map((p) => p.pid)).toEqual([helper.pid]);
  });

  it("GET /api/processes/PID equals show PID --json, and PID@STARTTICKS names the same process", async () => {
    const api = await getJson(`/api/processes/${helper.pid}`);
    expect(withoutLifetimeCpu(api)).toEqual(withoutLifetimeCpu(await cliJson(["show", String(helper.pid)])));
    expect(withoutLifetimeCpu(await getJson(`/api/processes/${helper.pid}@${ticks}`))).toEqual(withoutLifetimeCpu(api));
  });

  it("maps, fds, threads, stacks and environ equal their commands' --json", async () => {
    const pid = String(helper.pid);
    expect(await getJson(`/api/processes/${pid}/maps`)).toEqual(await cliJson(["maps", pid]));
    // PSS divides shared pages among the processes mapping them, and the CLI run is one more of those.
    const withoutPss = (value: unknown) => JSON.parse(JSON.stringify(value, (key, v) => (/pss/i.test(key) ? undefined : v)));
    expect(withoutPss(await getJson(`/api/processes/${pid}/maps?smaps=1`))).toEqual(withoutPss(await cliJson(["maps", pid, "--smaps"])));
    expect(await getJson(`/api/processes/${pid}/fds`)).toEqual(await cliJson(["fds", pid]));
    expect(await getJson(`/api/processes/${pid}/threads`)).toEqual(await cliJson(["threads", pid]));
    expect(await getJson(`/api/processes/${pid}/stacks`)).toEqual(await cliJson(["stack", pid]));
    const shown = (await cliJson(["show", pid, "--field", "environ"])) as { pid: number; environ: unknown };
    expect(await getJson(`/api/processes/${pid}/environ`)).toEqual({ pid: shown.pid, environ: shown.environ });
  });

  it("finds the helper's heap string through /search and reads it through /memory, as search and read do", async () => {
    // The marker is on the heap, and in argv on the stack.
    type Found = { address: string; region: { kind: string } };
    const all = (await getJson(`/api/processes/${helper.pid}/search?pattern=${MARKER}`)) as Found[];
    expect(all).toEqual(await cliJson(["search", String(helper.pid), MARKER]));
    const matches = (await getJson(`/api/processes/${helper.pid}/search?pattern=${MARKER}&region=heap`)) as Found[];
    expect(matches.length).toBeGreaterThan(0);
    expect(matches.every((m) => m.region.kind === "heap")).toBe(true);
    const printed = /ready (0x[0-9a-f]+)/.exec(helper.output())?.[1] as string;
    const match = matches.find((m) => BigInt(m.address) === BigInt(printed));
    if (match === undefined) throw new Error(`no match at the helper's malloc()ed ${printed}: ${JSON.stringify(matches)}`);
    const read = (await getJson(`/api/processes/${helper.pid}/memory?address=${match.address}&length=${MARKER.length}`)) as { hex: string };
    expect(Buffer.from(read.hex, "hex").toString()).toBe(MARKER);
    expect(read).toEqual(await cliJson(["read", String(helper.pid), match.address, String(MARKER.length)]));
    const byRegion = (await getJson(`/api/processes/${helper.pid}/memory?address=heap&length=16`)) as { address: string };
    expect(byRegion.address).toMatch(/^0x/);
  });

  it("lists the heap string through /strings as strings --json does", async () => {
    const api = (await getJson(`/api/processes/${helper.pid}/strings`)) as { text: string }[];
    expect(api).toEqual(await cliJson(["strings", String(helper.pid)]));
    expect(api.some((s) => s.text === MARKER)).toBe(true);
    expect(await getJson(`/api/processes/${helper.pid}/strings?limit=1`)).toHaveLength(1);
  });

  it("system, sysctl, lsof, peers and net answer their commands' shapes", async () => {
    const system = (await getJson("/api/system")) as Record<string, unknown>;
    const cliSystem = (await cliJson(["sys"])) as Record<string, unknown>;
    expect(Object.keys(system).sort()).toEqual(Object.keys(cliSystem).sort());
    expect(system.kernel).toEqual(cliSystem.kernel);
    expect(await getJson("/api/sysctl?name=kernel.ostype")).toEqual(await cliJson(["sysctl", "kernel.ostype"]));
    expect(await getJson(`/api/lsof?pid=${helper.pid}`)).toEqual(await cliJson(["lsof", "--pid", String(helper.pid)]));
    // Other processes come and go at the far ends of the helper's pipes: compare the helper's ends.
    type Channel = { kind: string; inode: number; ends: { pid: number }[] };
    const own = (list: Channel[]) => list.map((c) => ({ ...c, ends: c.ends.filter((e) => e.pid === helper.pid) }));
    expect(own((await getJson(`/api/peers?pid=${helper.pid}`)) as Channel[])).toEqual(
      own((await cliJson(["peers", String(helper.pid)])) as Channel[]),
    );
    const sockets = (await getJson(`/api/net?pid=${helper.pid}`)) as { sockets: unknown[] };
    expect(sockets).toEqual(await cliJson(["net", String(helper.pid)]));
    expect(await getJson("/api/system/loadavg")).toMatchObject({ load1: expect.any(Number) });
  });

  it("answers bad input with 400, no such process with 404, an exited PID@STARTTICKS with 410, actions with 403", async () => {
    expect(await errorOf("/api/processes/abc")).toMatchObject({ status: 400, kind: "invalid-argument" });
    expect(await errorOf("/api/processes/-1/maps")).toMatchObject({ status: 400 });
    expect(await errorOf(`/api/processes/${helper.pid}/memory?address=heap&length=2m`)).toMatchObject({
      status: 400,
      message: expect.stringMatching(/cap/),
    });
    expect(await errorOf(`/api/processes/${helper.pid}/memory?address=nowhere&length=16`)).toMatchObject({ status: 404 });
    expect(await errorOf(`/api/processes/${helper.pid}/memory?address=zz&length=16`)).toMatchObject({ status: 404 });
    expect(await errorOf(`/api/processes/${helper.pid}/memory?address=heap&length=x`)).toMatchObject({ status: 400 });
    expect(await errorOf(`/api/processes/${helper.pid}/search?pattern=(&regex=1`)).toMatchObject({ status: 400 });
    expect(await errorOf(`/api/processes/${helper.pid}/search`)).toMatchObject({ status: 400 });
    expect(await errorOf(`/api/processes/${helper.pid}/maps?smaps=maybe`)).toMatchObject({ status: 400 });
    expect(await errorOf("/api/processes/999999999")).toMatchObject({ status: 404, kind: "no-such-process" });
    expect(await errorOf(`/api/processes/${helper.pid}@${ticks + 1}`)).toMatchObject({ status: 410, kind: "process-gone" });
    const post = { method: "POST", body: JSON.stringify({ signal: "TERM" }), headers: { "content-type": "application/json" } };
    expect(await errorOf(`/api/processes/${helper.pid}/signal`, post)).toMatchObject({ status: 403, kind: "read-only" });
    expect((await server.api("/api/processes", { headers: { authorization: "Bearer nope" } })).status).toBe(401);
    expect(server.auditLines()).toEqual([
      expect.objectContaining({
        endpoint: `/api/processes/${helper.pid}/signal`,
        pid: helper.pid,
        outcome: "refused",
        client: expect.stringMatching(/127\.0\.0\.1/),
      }),
    ]);
  });

  it("streams snapshots and start/exit events on /api/events, and survives clients that leave mid-stream", async () => {
    const controller = new AbortController();
    const response = await server.api("/api/events", { signal: controller.signal });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    const events: { event: string; data: Record<string, unknown> }[] = [];
    const next = async (pred: (e: { event: string; data: Record<string, unknown> }) => boolean) => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const found = events.find(pred);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no such event; saw ${events.map((e) => e.event).join(",")}`);
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          end = buffer.indexOf("\n\n");
        }
      }
    };
    const snapshot = await next((e) => e.event === "snapshot");
    expect(snapshot.data).toMatchObject({ intervalMs: expect.any(Number), cpu: expect.any(Object), processes: expect.any(Array) });
    const processes = snapshot.data.processes as { pid: number; cpuPercent: number | null }[];
    expect(processes.find((p) => p.pid === helper.pid)).toMatchObject({
      comm: expect.stringMatching(/^heap-marker/),
      cpuPercent: expect.any(Number),
    });
    // Ten more clients at once, some leaving at once, while this one reads on.
    const others = await Promise.all(Array.from({ length: 10 }, () => server.api("/api/events")));
    await Promise.all(others.map((r) => r.body?.cancel()));
    const short = await startProcess("sleep", ["300"]);
    const pidOf = (e: { data: Record<string, unknown> }) => (e.data.process as { pid: number } | undefined)?.pid;
    const started = await next((e) => e.event === "start" && pidOf(e) === short.pid);
    expect(started.data).toMatchObject({ event: "start", process: { comm: "sleep", startTimeTicks: startTicks(short.pid) } });
    await short.kill("SIGKILL");
    await next((e) => e.event === "exit" && pidOf(e) === short.pid);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    // Still serving, to many at once.
    const parallel = await Promise.all(Array.from({ length: 10 }, () => server.api(`/api/processes?pid=${helper.pid}`)));
    expect(parallel.map((r) => r.status)).toEqual(Array(10).fill(200));
  });

  it("downloads a deleted file a process holds open through /fds/N/content, and refuses sockets and bad fds", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-api-recover-"));
    const file = path.join(dir, "held.log");
    const content = Buffer.concat([Buffer.from("held open after rm\n"), randomBytes(300 * 1024)]);
    fs.writeFileSync(file, content);
    // stdin (fd 0) comes from this test: Node makes it a socket pair.
    const holder = await startProcess("sh", ["-c", 'exec 3<"$0"; rm "$0"; echo ready; exec sleep 300', file], { ready: "ready" });
    try {
      const response = await server.api(`/api/processes/${holder.pid}@${startTicks(holder.pid)}/fds/3/content`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/octet-stream");
      expect(response.headers.get("content-disposition")).toBe(`attachment; filename="${holder.pid}-fd3-held.log"`);
      expect(response.headers.get("content-length")).toBe(String(content.length));
      expect(response.headers.get("x-procscope-deleted")).toBe("true");
      expect(response.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
      expect(Buffer.from(await response.arrayBuffer()).equals(content)).toBe(true);
      expect(await errorOf(`/api/processes/${holder.pid}/fds/0/content`)).toMatchObject({
        status: 400,
        message: expect.stringMatching(/is a socket .*cannot be reopened/),
      });
      expect(await errorOf(`/api/processes/${holder.pid}/fds/x/content`)).toMatchObject({ status: 400 });
      expect(await errorOf(`/api/processes/${holder.pid}/fds/987/content`)).toMatchObject({ status: 404 });
      expect(await errorOf(`/api/processes/${holder.pid}@${startTicks(holder.pid) + 1}/fds/3/content`)).toMatchObject({ status: 410 });
    } finally {
      await holder.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("answers 410 with a JSON error when the process exits in the middle of a long memory scan, and keeps serving", async () => {
    const binary = compileC("big-mapping", BIG_MAPPING_SOURCE);
    const serverPid = server.process.pid;
    /** Whether the server has the process's memory open: the scan has begun. */
    const readingMemoryOf = (pid: number) =>
      fs.readdirSync(`/proc/${serverPid}/fd`).some((fd) => {
        try {
          return fs.readlinkSync(`/proc/${serverPid}/fd/${fd}`) === `/proc/${pid}/mem`;
        } catch {
          return false; // closed meanwhile
        }
      });
    for (const endpoint of [`search?pattern=NOT-IN-THAT-PROCESS-${process.pid}`, "strings"]) {
      const victim = await startProcess(binary, [], { ready: "ready" });
      const pending = server.api(`/api/processes/${victim.pid}/${endpoint}`);
      const deadline = Date.now() + 30_000;
      while (!readingMemoryOf(victim.pid)) {
        if (Date.now() > deadline) throw new Error(`the server never opened /proc/${victim.pid}/mem for ${endpoint}`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await victim.kill("SIGKILL");
      const response = await pending;
      const body = (await response.json()) as { error: { kind: string; message: string } };
      expect({ status: response.status, ...body }, endpoint).toMatchObject({
        status: 410,
        error: { kind: "process-gone", message: expect.stringMatching(/exited/) },
      });
    }
    // Still up: the next requests work.
    expect(server.process.child.exitCode).toBeNull();
    expect(await getJson("/api/session")).toMatchObject({ allowActions: false });
    expect(await getJson(`/api/processes/${helper.pid}`)).toMatchObject({ pid: helper.pid });
  });

  it("refuses to start on a port in use with one line and exit 1, and stops cleanly on SIGTERM", async () => {
    const port = Number(new URL(server.base).port);
    const result = await runBin([
      "serve",
      "--port",
      String(port),
      "--token-file",
      `${server.dir}/token`,
      "--audit-log",
      `${server.dir}/other.jsonl`,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^procscope: cannot listen on 127\.0\.0\.1:\d+: the port is in use\n$/);
    const other = await startServer();
    const exited = once(other.process.child, "exit");
    other.process.child.kill("SIGTERM");
    const [code] = await exited;
    expect(code).toBe(0);
    await expect(connects(Number(new URL(other.base).port))).resolves.toBe(false);
  });

  it("refuses a non-loopback address without TLS or --insecure-listen", async () => {
    const result = await runBin(["serve", "--host", "0.0.0.0", "--port", "0", "--token-file", `${server.dir}/token`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--tls-cert.*--insecure-listen/);
  });
});

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
