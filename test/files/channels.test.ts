import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nativeHelper } from "../../src/access/native.js";
import { openProcFs } from "../../src/access/proc-fs.js";
import { ProcessGone } from "../../src/errors.js";
import { buildChannels, listChannels, renderChannelsDot } from "../../src/files/channels.js";
import { findBottleneck, tracePipeline } from "../../src/files/pipeline.js";
import { listSockets } from "../../src/files/sockets.js";
import { createProcessContext } from "../../src/processes/context.js";
import { runBin, runCli } from "../helpers/cli.js";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";
import { waitUntil } from "../helpers/wait.js";
import { tempDir } from "./_helpers.js";

const context = createProcessContext(openProcFs());
const dir = tempDir();

function children(pid: number): number[] {
  return fs
    .readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
    .trim()
    .split(/\s+/)
    .filter((s) => s !== "")
    .map(Number);
}

function comm(pid: number): string {
  return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
}

/** `waitUntil` with the probe first, as these tests read best. */
const until = <T>(probe: () => T | undefined, what: string): Promise<T> => waitUntil(what, probe, { everyMs: 25 });

describe("a real `yes | gzip` pipeline", () => {
  let shell: LiveProcess;
  let yes: number;
  let gzip: number;
  beforeAll(async () => {
    shell = await startProcess("sh", ["-c", "yes | gzip -9 > /dev/null"], { detached: true });
    [yes, gzip] = await until(() => {
      const kids = children(shell.pid);
      const y = kids.find((p) => comm(p) === "yes");
      const g = kids.find((p) => comm(p) === "gzip");
      return y && g ? [y, g] : undefined;
    }, "yes and gzip");
  });
  afterAll(async () => {
    try {
      process.kill(-shell.pid, "SIGKILL");
    } catch {}
    await shell.kill();
  });

  it("channels() joins yes's write end to gzip's read end by pipe inode", () => {
    const list = listChannels(context, { pid: yes });
    const pipe = list.find((c) => c.kind === "pipe" && c.ends.some((e) => e.pid === yes && e.fd === 1));
    expect(pipe).toBeDefined();
    expect(pipe?.ends.filter((e) => e.pid === yes || e.pid === gzip)).toEqual([
      expect.objectContaining({ pid: yes, fd: 1, side: "write" }),
      expect.objectContaining({ pid: gzip, fd: 0, side: "read" }),
    ]);
    expect(fs.readlinkSync(`/proc/${yes}/fd/1`)).toBe(`pipe:[${pipe?.inode}]`);
  });

  it("peers --dot draws the pipe from writer to reader", async () => {
    const result = await runCli(["peers", String(gzip), "--dot"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^digraph procscope \{/);
    expect(result.stdout).toContain(`p${yes} -> p${gzip} [label="pipe:[`);
    expect(result.stdout).toContain(`p${gzip} [label="${gzip} gzip"];`);
  });

  it("pipeline() orders the stages and measures their rates", async () => {
    const result = await tracePipeline(context, yes, { intervalMs: 600 });
    expect(result.stages.map((s) => s.pid)).toEqual([yes, gzip]);
    const [y, g] = result.stages;
    expect(y?.writeBytesPerSecond).toBeGreaterThan(0);
    expect(g?.readBytesPerSecond).toBeGreaterThan(0);
  });

  it("pipeline given the shell finds its children's pipeline; --json works", async () => {
    const result = await runCli(["pipeline", String(shell.pid), "--interval", "200", "--json"]);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { stages: { pid: number }[] }).stages.map((s) => s.pid)).toEqual([yes, gzip]);
  });
});

// Two CPU-bound stages (yes | gzip) trade places as the bottleneck when other work competes for
// the CPUs; a reader that sleeps between reads is the bottleneck whatever the load.
const SLOW_READER = String.raw`
#include <time.h>
#include <unistd.h>
int main(void) {
  static char buffer[16384];
  struct timespec pause = { 0, 20 * 1000 * 1000 };
  for (;;) { if (read(0, buffer, sizeof buffer) <= 0) return 0; nanosleep(&pause, 0); }
}
`;

describe("a pipeline with a slow reader", () => {
  it("pipeline() names the reader the bottleneck, because its writer waits on a full pipe", async () => {
    const reader = compileC("slow-reader", SLOW_READER);
    const shell = await startProcess("sh", ["-c", `yes | ${reader}`], { detached: true });
    try {
      const [writer, slow] = await until(() => {
        const kids = children(shell.pid);
        const y = kids.find((p) => comm(p) === "yes");
        const r = kids.find((p) => comm(p).startsWith("slow-reader"));
        return y && r ? [y, r] : undefined;
      }, "yes and the slow reader");
      const result = await tracePipeline(context, writer, { intervalMs: 600 });
      expect(result.stages.map((s) => s.pid)).toEqual([writer, slow]);
      expect(result.bottleneck).toBe(slow);
      expect(result.reason).toContain(`(${slow})`);
    } finally {
      try {
        process.kill(-shell.pid, "SIGKILL");
      } catch {}
      await shell.kill();
    }
  });
});

describe("pipeline SHELLPID of a job-control shell", () => {
  it("finds the pipeline in the children's own process group and does not call the live shell exited", async () => {
    // set -m: the background job gets its own process group, as in an interactive shell.
    const shell = await startProcess("bash", ["-c", "set -m; yes | gzip -1 > /dev/null & echo ready; wait"], { ready: "ready" });
    try {
      const [yes, gzip] = await until(() => {
        const kids = children(shell.pid);
        const y = kids.find((p) => comm(p) === "yes");
        const g = kids.find((p) => comm(p) === "gzip");
        return y && g ? [y, g] : undefined;
      }, "yes and gzip");
      const result = await runCli(["pipeline", String(shell.pid), "--interval", "200", "--json"]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout) as { pgid: number; stages: { pid: number }[] };
      expect(json.stages.map((s) => s.pid)).toEqual([yes, gzip]);
      expect(json.pgid).not.toBe(shell.pid);
    } finally {
      for (const p of children(shell.pid)) {
        try {
          process.kill(p, "SIGKILL");
        } catch {}
      }
      await shell.kill();
    }
  });
});

describe("pipeline of a process outside any pipeline", () => {
  it("is a one-line error", async () => {
    const lone = await startProcess("sleep", ["30"], { detached: true, stdio: ["ignore", "ignore", "ignore"] });
    try {
      const result = await runCli(["pipeline", String(lone.pid), "--interval", "50"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^procscope: process \d+ is not part of a pipeline .*\n$/);
    } finally {
      await lone.kill();
    }
  });
});

describe("a FIFO between two processes", () => {
  it("is found by device and inode, writer first", async () => {
    const fifo = path.join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const reader = await startProcess("cat", [fifo], { stdio: ["ignore", "ignore", "ignore"] });
    const writer = await startProcess("sh", ["-c", 'exec 3>"$0"; echo ready; read x', fifo], { ready: "ready" });
    try {
      const list = listChannels(context, { pid: writer.pid });
      const channel = list.find((c) => c.kind === "fifo");
      expect(channel?.label).toBe(fifo);
      expect(channel?.inode).toBe(fs.statSync(fifo).ino);
      expect(channel?.ends.map((e) => [e.pid, e.fd, e.side])).toEqual([
        [writer.pid, 3, "write"],
        [reader.pid, 3, "read"],
      ]);
    } finally {
      await writer.kill();
      await reader.kill();
    }
  });
});

describe("peers with names that are not UTF-8", () => {
  it("carries each label's raw bytes in rawBase64.label: a FIFO's path and a UNIX socket's name", async () => {
    const fifo = Buffer.concat([Buffer.from(`${dir}/fifo-`), Buffer.from([0xff, 0xfe])]);
    const sock = Buffer.concat([Buffer.from(`${dir}/sock-`), Buffer.from([0xc3, 0x28])]);
    // Python keeps bytes paths as bytes: a FIFO held for writing and a UNIX server with one client,
    // the reader of the FIFO and the client in a child process.
    const script = [
      "import os, signal, socket, sys",
      "fifo, name = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2])",
      "os.mkfifo(fifo)",
      "server = socket.socket(socket.AF_UNIX); server.bind(name); server.listen(1)",
      "if os.fork() == 0:",
      "    r = os.open(fifo, os.O_RDONLY); c = socket.socket(socket.AF_UNIX); c.connect(name); signal.pause()",
      "w = os.open(fifo, os.O_WRONLY); accepted, _ = server.accept()",
      "print('ready', flush=True); signal.pause()",
    ].join("\n");
    const holder = await startProcess("python3", ["-c", script, fifo.toString("hex"), sock.toString("hex")], { ready: "ready" });
    try {
      const result = await runBin(["peers", String(holder.pid), "--json"]);
      expect(result.code, result.stderr).toBe(0);
      const channels = JSON.parse(result.stdout) as { kind: string; label: string | null; rawBase64?: { label?: string } }[];
      const fifoChannel = channels.find((c) => c.kind === "fifo");
      expect(fifoChannel?.label).toBe(`${dir}/fifo-\\xff\\xfe`);
      expect(fifoChannel?.rawBase64).toEqual({ label: fifo.toString("base64") });
      const unix = channels.find((c) => c.kind === "unix" && c.label?.startsWith(`${dir}/sock-`));
      expect(unix?.label).toBe(`${dir}/sock-\\xc3(`);
      expect(unix?.rawBase64).toEqual({ label: sock.toString("base64") });
      // Labels that were valid UTF-8 have no raw twin.
      for (const c of channels) if (c !== fifoChannel && c !== unix) expect(c.rawBase64).toBeUndefined();
    } finally {
      await holder.kill();
    }
  });
});

describe("sockets between processes", () => {
  let server: LiveProcess;
  let port: number;
  let client: net.Socket;
  beforeAll(async () => {
    server = await startProcess(
      process.execPath,
      [
        "-e",
        "const s=require('net').createServer((c)=>{console.log('accepted');c.on('data',()=>{})}).listen(0,'127.0.0.1',()=>console.log('port='+s.address().port))",
      ],
      { ready: /port=\d+/ },
    );
    port = Number(/port=(\d+)/.exec(server.output())?.[1]);
    client = net.connect(port, "127.0.0.1");
    await new Promise<void>((resolve) => client.once("connect", () => resolve()));
    await server.waitFor("accepted");
  });
  afterAll(async () => {
    client.destroy();
    await server.kill();
  });

  it("sockets() lists the node server's listener with the same inode as ss", () => {
    const table = listSockets(context, { pid: server.pid, protocols: ["tcp"] });
    const listener = table.sockets.find((s) => s.state === "LISTEN");
    expect(listener).toMatchObject({ localAddress: "127.0.0.1", localPort: port, remoteAddress: "0.0.0.0", remotePort: 0 });
    expect(listener?.owners.map((o) => o.pid)).toEqual([server.pid]);
    const ss = execFileSync("ss", ["-H", "-tlne", "sport", "=", `:${port}`], { encoding: "utf8" });
    expect(ss).toContain(`ino:${listener?.inode} `);
    expect(table.sockets.some((s) => s.state === "ESTAB" && s.localPort === port)).toBe(true);
  });

  it("channels() pairs the TCP connection's two local ends by address", () => {
    const list = listChannels(context, { pid: server.pid });
    const tcp = list.find((c) => c.kind === "tcp");
    expect(tcp?.match).toBe("address");
    expect(new Set(tcp?.ends.map((e) => e.pid))).toEqual(new Set([server.pid, process.pid]));
    expect(tcp?.label).toContain(`127.0.0.1:${port}`);
  });

  it("channels() pairs the stdio socketpair of a child with this process by the kernel's peer inodes, as ss -x sees it", () => {
    // The server's stdio are socketpairs whose other ends this process holds (libuv makes them so).
    const list = listChannels(context, { pid: server.pid }).filter(
      (c) => c.kind === "unix" && c.match === "peer" && c.ends.some((e) => e.pid === process.pid),
    );
    expect(list.length).toBeGreaterThan(0);
    const ss = execFileSync("ss", ["-H", "-xn"], { encoding: "utf8" });
    for (const c of list) {
      const inodes = [...new Set(c.ends.map((e) => e.inode))];
      expect(inodes).toHaveLength(2);
      // ss prints "local-address inode peer-address peer-inode"; the kernel's peer must be the other one.
      const [a, b] = inodes as [number, number];
      expect(ss).toMatch(new RegExp(`\\* (${a}\\s+\\* ${b}|${b}\\s+\\* ${a})\\b`));
    }
  });

  it("without the native helper, the socketpair is still found by its adjacent inodes, and net says why peers are unknown", async () => {
    const env = { ...process.env, PROCSCOPE_NATIVE: "0" };
    const peers = await runBin(["peers", String(server.pid), "--json"], { env });
    expect(peers.code).toBe(0);
    const list = JSON.parse(peers.stdout) as { kind: string; match: string; ends: { pid: number }[] }[];
    expect(list.some((c) => c.kind === "unix" && c.match === "adjacent-inode" && c.ends.some((e) => e.pid === process.pid))).toBe(true);
    expect(list.some((c) => c.match === "peer")).toBe(false);
    const net = await runBin(["net", "--protocol", "unix", "--json"], { env });
    expect(net.code).toBe(0);
    expect(JSON.parse(net.stdout).errors.peers).toMatch(/turned off \(PROCSCOPE_NATIVE=0\)/);
    // With a named socket in the namespace (other tests make some), the line also says names were not checked.
    // The documented notice on processes even root cannot read (a capability it lacks) may follow.
    expect(net.stderr.replace(/^procscope: \d+ process(es)? could not be read [^\n]*\n/m, "")).toMatch(
      /^procscope: UNIX socket peers (unknown|and listen backlogs unknown, names not checked \(.*\)): the native helper is turned off \(PROCSCOPE_NATIVE=0\)\n$/,
    );
  });

  it("net --json and the table show the listener with its process", async () => {
    const json = await runCli(["net", String(server.pid), "--json", "--protocol", "tcp"]);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { sockets: { localPort: number; state: string }[] };
    expect(parsed.sockets.some((s) => s.localPort === port && s.state === "LISTEN")).toBe(true);
    const text = await runCli(["net", String(server.pid)]);
    expect(text.stdout).toMatch(new RegExp(`tcp +LISTEN .*127\\.0\\.0\\.1:${port} .*pid=${server.pid},fd=\\d+`));
    expect((await runCli(["net", "--protocol", "sctp"])).code).toBe(2);
  });
});

describe("a TCP listener's backlog", () => {
  let server: LiveProcess;
  let port: number;
  beforeAll(async () => {
    server = await startProcess(
      process.execPath,
      [
        "-e",
        "const s=require('net').createServer().listen({port:0,host:'127.0.0.1',backlog:37},()=>console.log('port='+s.address().port))",
      ],
      { ready: /port=\d+/ },
    );
    port = Number(/port=(\d+)/.exec(server.output())?.[1]);
  });
  afterAll(() => server.kill());

  /** ss -ltn's Recv-Q and Send-Q of the listener: for a listener, the accept queue and the backlog. */
  const ssQueues = (): [number, number] => {
    const line = execFileSync("ss", ["-H", "-ltn", "sport", "=", `:${port}`], { encoding: "utf8" }).trim();
    const [, recv, send] = line.split(/\s+/);
    return [Number(recv), Number(send)];
  };

  it("net shows the backlog as ss -ltn's Send-Q (37), in JSON as backlog", async () => {
    expect(ssQueues()).toEqual([0, 37]);
    const json = await runCli(["net", String(server.pid), "--json", "--protocol", "tcp"]);
    expect(json.code).toBe(0);
    const listener = (JSON.parse(json.stdout) as { sockets: Record<string, unknown>[] }).sockets.find(
      (s) => s.state === "LISTEN" && s.localPort === port,
    );
    expect(listener).toMatchObject({ backlog: 37, rxQueueBytes: 0, txQueueBytes: 0 });
    const text = await runCli(["net", String(server.pid), "--protocol", "tcp"]);
    expect(text.stdout).toMatch(new RegExp(`^tcp +LISTEN +0 +37 +127\\.0\\.0\\.1:${port} `, "m"));
    // Other sockets have no backlog.
    const all = JSON.parse((await runCli(["net", "--json"])).stdout) as { sockets: { state: string; backlog: number | null }[] };
    expect(all.sockets.filter((s) => s.state !== "LISTEN" && s.backlog !== null)).toEqual([]);
  });

  it("without the native helper the backlog is null with the reason, and the table shows -", async () => {
    const env = { ...process.env, PROCSCOPE_NATIVE: "0" };
    const json = await runBin(["net", String(server.pid), "--json", "--protocol", "tcp"], { env });
    expect(json.code).toBe(0);
    const table = JSON.parse(json.stdout) as { sockets: Record<string, unknown>[]; errors: Record<string, string> };
    expect(table.sockets.find((s) => s.state === "LISTEN" && s.localPort === port)).toMatchObject({ backlog: null });
    expect(table.errors.backlog).toMatch(/turned off \(PROCSCOPE_NATIVE=0\)/);
    const text = await runBin(["net", String(server.pid), "--protocol", "tcp"], { env });
    expect(text.stdout).toMatch(new RegExp(`^tcp +LISTEN +0 +- +127\\.0\\.0\\.1:${port} `, "m"));
    expect(text.stderr).toMatch(
      /^procscope: (backlogs of TCP listeners unknown \(SEND-Q "-"\)|UNIX socket peers and listen backlogs unknown, .*): the native helper is turned off/m,
    );
  });
});

describe("a UNIX listener's backlog", () => {
  let server: LiveProcess;
  const socketPath = path.join(dir, "backlog.sock");
  beforeAll(async () => {
    // python3, not node: node accepts at once, and the pending connection must stay in the queue.
    const script = [
      "import signal, socket, sys",
      "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
      "s.bind(sys.argv[1])",
      "s.listen(23)",
      "c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
      "c.connect(sys.argv[1])",
      "print('ready', flush=True)",
      "signal.pause()",
    ].join("\n");
    server = await startProcess("python3", ["-c", script, socketPath], { ready: "ready" });
  });
  afterAll(() => server.kill());

  /** ss -xl's Recv-Q and Send-Q of the listener: for a listener, the connections waiting and the backlog. */
  const ssQueues = (): [number, number] => {
    const line = execFileSync("ss", ["-H", "-xl", "src", socketPath], { encoding: "utf8" }).trim();
    const [, , recv, send] = line.split(/\s+/);
    return [Number(recv), Number(send)];
  };

  it("net shows ss -xl's Recv-Q (1 waiting) and Send-Q (the backlog, 23), in JSON as rxQueueBytes and backlog", async () => {
    expect(ssQueues()).toEqual([1, 23]);
    const json = await runCli(["net", String(server.pid), "--json", "--protocol", "unix"]);
    expect(json.code, json.stderr).toBe(0);
    const listener = (JSON.parse(json.stdout) as { sockets: Record<string, unknown>[] }).sockets.find((s) => s.path === socketPath);
    expect(listener).toMatchObject({ state: "LISTEN", rxQueueBytes: 1, backlog: 23 });
    const text = await runCli(["net", String(server.pid), "--protocol", "unix"]);
    expect(text.stdout).toContain(`unix/stream LISTEN      1     23 ${socketPath} `);
  });

  it("without the native helper both are null, and the table shows -", async () => {
    const env = { ...process.env, PROCSCOPE_NATIVE: "0" };
    const json = await runBin(["net", String(server.pid), "--json", "--protocol", "unix"], { env });
    expect(json.code).toBe(0);
    const table = JSON.parse(json.stdout) as { sockets: Record<string, unknown>[]; errors: Record<string, string> };
    expect(table.sockets.find((s) => s.path === socketPath)).toMatchObject({ rxQueueBytes: null, backlog: null });
    expect(table.errors.backlog).toMatch(/turned off \(PROCSCOPE_NATIVE=0\)/);
    const text = await runBin(["net", String(server.pid), "--protocol", "unix"], { env });
    expect(text.stdout).toContain(`unix/stream LISTEN      -      - ${socketPath} `);
  });
});

describe("a client of a named UNIX socket", () => {
  let server: LiveProcess;
  let client: LiveProcess;
  const socketPath = path.join(dir, "named.sock");
  beforeAll(async () => {
    server = await startProcess(
      process.execPath,
      [
        "-e",
        `require('net').createServer((c)=>{console.log('accepted');c.on('data',()=>{})}).listen(${JSON.stringify(socketPath)},()=>console.log('listening'))`,
      ],
      { ready: /listening/ },
    );
    client = await startProcess(
      process.execPath,
      ["-e", `const c=require('net').connect(${JSON.stringify(socketPath)},()=>console.log('connected'));c.on('data',()=>{})`],
      { ready: /connected/ },
    );
    await server.waitFor("accepted");
  });
  afterAll(async () => {
    await client.kill();
    await server.kill();
  });

  it("needs the native helper, built by npm run build", () => {
    const { module, reason } = nativeHelper();
    if (!module) throw new Error(`${reason}: run \`npm run build\` (apt-get install gcc; Node's headers come with Node)`);
    expect(module.unixSockets().numbers.length % 6).toBe(0);
  });

  it("is joined to the server's accepted socket by the kernel's peer inodes, labelled with the path", () => {
    // Both children also share this process's stderr socket: pick the connection by its path.
    const list = listChannels(context, { pid: client.pid }).filter((c) => c.kind === "unix" && c.label === socketPath);
    expect(list).toHaveLength(1);
    const connection = list[0];
    expect(connection?.match).toBe("peer");
    expect(new Set(connection?.ends.map((e) => e.pid))).toEqual(new Set([server.pid, client.pid]));
    // ss -x asks the kernel the same question: the client's socket names the server's as its peer.
    const clientInode = connection?.ends.find((e) => e.pid === client.pid)?.inode;
    const serverInode = connection?.ends.find((e) => e.pid === server.pid)?.inode;
    const ss = execFileSync("ss", ["-H", "-xn"], { encoding: "utf8" });
    expect(ss).toMatch(new RegExp(`\\* ${clientInode}\\s+\\* ${serverInode}\\b`));
  });

  it("net shows both sockets with their peers", () => {
    const table = listSockets(context, { protocols: ["unix"] });
    const mine = table.sockets.filter((s) => s.owners.some((o) => o.pid === client.pid || o.pid === server.pid));
    const accepted = mine.find((s) => s.path === socketPath && s.state === "ESTAB");
    const listener = mine.find((s) => s.path === socketPath && s.state === "LISTEN");
    expect(listener?.peerInode).toBeNull();
    const clientEnd = mine.find((s) => s.inode === accepted?.peerInode);
    expect(clientEnd?.owners.map((o) => o.pid)).toEqual([client.pid]);
    expect(clientEnd?.peerInode).toBe(accepted?.inode);
    expect(table.errors.peers).toBeUndefined();
  });

  it("peers --dot draws the connection between the two processes", async () => {
    const dot = await runCli(["peers", String(client.pid), "--dot"]);
    expect(dot.code).toBe(0);
    expect(dot.stdout).toMatch(
      new RegExp(
        `p(${server.pid} -> p${client.pid}|${client.pid} -> p${server.pid}) \\[label="${socketPath.replace(/[.\\/]/g, "\\$&")}", dir=both`,
      ),
    );
  });
});

describe("buildChannels()", () => {
  it("keeps only channels joining two processes and leaves unknown unix peers out", () => {
    const proc = (pid: number, fds: { fd: number; type: "pipe" | "socket"; inode: number; mode: "r" | "w" | "u" }[]) => ({
      pid,
      comm: `p${pid}`,
      uid: 0,
      user: "root",
      startTimeTicks: pid,
      errors: {},
      uses: null,
      fds: fds.map((f) => ({
        ...f,
        pid,
        target: `${f.type}:[${f.inode}]`,
        anonKind: null,
        path: null,
        deleted: false,
        posBytes: 0,
        flags: [],
        mntId: 1,
        sizeBytes: null,
        device: null,
        errors: {},
      })),
    });
    const unix = (inode: number, path: string | null, refCount = 3, peerInode: number | null = null) => ({
      protocol: "unix" as const,
      inode,
      state: "ESTAB",
      socketType: "stream",
      localAddress: null,
      localPort: null,
      remoteAddress: null,
      remotePort: null,
      path,
      txQueueBytes: null,
      rxQueueBytes: null,
      backlog: null,
      uid: null,
      refCount,
      peerInode,
    });
    const list = buildChannels(
      [
        proc(1, [
          { fd: 3, type: "pipe", inode: 10, mode: "w" },
          { fd: 4, type: "pipe", inode: 11, mode: "r" },
          { fd: 5, type: "socket", inode: 20, mode: "u" },
          { fd: 8, type: "socket", inode: 50, mode: "u" },
        ]),
        proc(2, [
          { fd: 0, type: "pipe", inode: 10, mode: "r" },
          { fd: 6, type: "socket", inode: 21, mode: "u" },
          { fd: 7, type: "socket", inode: 40, mode: "u" },
          { fd: 9, type: "socket", inode: 51, mode: "u" },
        ]),
      ],
      // 50 and 51 are neighbours, but refcount 2 says their peers are gone: not a pair.
      [unix(20, null), unix(21, null), unix(40, null), unix(41, null), unix(50, null, 2), unix(51, null, 2)],
    );
    expect(list.map((c) => [c.kind, c.inode, c.match])).toEqual([
      ["pipe", 10, "inode"],
      ["unix", 20, "adjacent-inode"],
    ]);
    expect(renderChannelsDot(list)).toContain('p1 -> p2 [label="pipe:[10]"];');

    // With the kernel's peers, neighbours mean nothing: 20's peer is 40 (a named connection).
    const known = buildChannels(
      [
        proc(1, [{ fd: 5, type: "socket", inode: 20, mode: "u" }]),
        proc(2, [
          { fd: 6, type: "socket", inode: 21, mode: "u" },
          { fd: 7, type: "socket", inode: 40, mode: "u" },
        ]),
      ],
      [unix(20, null, 3, 40), unix(21, null, 3, null), unix(40, "/run/x.sock", 3, 20)],
      true,
    );
    expect(known.map((c) => [c.kind, c.inode, c.match, c.label, c.ends.map((e) => e.fd)])).toEqual([
      ["unix", 20, "peer", "/run/x.sock", [5, 7]],
    ]);
  });
});

describe("procscope net on /proc/net files with unexpected columns", () => {
  it("warns in one line per bad table and still shows the good ones", async () => {
    const root = path.join(dir, "fake-proc");
    fs.mkdirSync(path.join(root, "net"), { recursive: true });
    fs.writeFileSync(path.join(root, "net", "tcp"), "  sl  local rem st\n   0: 0100007F:1F90 00000000:0000 0A\n");
    fs.writeFileSync(
      path.join(root, "net", "udp"),
      "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n 4770: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 0\n",
    );
    const result = await runCli(["net", "--root", root]);
    expect(result.code).toBe(0);
    // The tree holds tcp and udp only: the other tables are said to be missing, in one line.
    expect(result.stderr).toMatch(
      /^procscope: net\/tcp: cannot parse .*unexpected columns.*\nprocscope: net\/tcp6, net\/udp6, net\/raw, net\/raw6, net\/unix, net\/packet: not captured\n$/,
    );
    expect(result.stdout).toMatch(/udp +UNCONN .*127\.0\.0\.1:53 .* 4242/);
  });
});

describe("findBottleneck()", () => {
  const stage = (pid: number, comm: string, read: number, write: number, cpuPercent: number) => ({
    pid,
    comm,
    startTimeTicks: 1,
    state: "S",
    wchan: null,
    readBytesPerSecond: 0,
    writeBytesPerSecond: 0,
    cpuPercent,
    pipeWaitPercent: Math.max(read, write),
    pipeReadWaitPercent: read,
    pipeWriteWaitPercent: write,
    stdin: null,
    stdout: null,
    errors: {},
  });

  it("names the stage its upstream waits to write to and its downstream waits to read from", () => {
    const result = findBottleneck([stage(1, "cat", 0, 95, 3), stage(2, "ssh", 5, 0, 2), stage(3, "tee", 80, 0, 1)]);
    expect(result.pid).toBe(2);
    expect(result.reason).toBe(
      "ssh (2) is the slowest stage (2% CPU, running): cat (1) waits to write to it 95% of the time, tee (3) waits to read from it 80% of the time",
    );
  });

  it("names the source when every later stage waits for input, and none when no pipe is full or empty", () => {
    expect(findBottleneck([stage(1, "sleep", 0, 0, 0), stage(2, "cat", 100, 0, 0)]).pid).toBe(1);
    expect(findBottleneck([stage(1, "a", 0, 2, 20), stage(2, "b", 1, 0, 30)]).pid).toBeNull();
    expect(findBottleneck([stage(1, "a", 0, 2, 20), stage(2, "b", 1, 0, 90)])).toMatchObject({
      pid: 2,
      reason: expect.stringMatching(/CPU-bound/),
    });
    // Clear pipe evidence wins over CPU: b waits to read 90% of the time, so a is the slow one.
    expect(findBottleneck([stage(1, "a", 0, 0, 10), stage(2, "b", 90, 0, 60)]).pid).toBe(1);
  });
});

describe("listChannels() and processes that exit while they are read", () => {
  it("skips a socket holder gone between its fds and its namespace's tables, instead of failing whole", async () => {
    // A socket of this process's own, whatever the test runner holds.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const live = openProcFs();
    // Every other process's net/ files answer as the kernel does once the process is gone.
    const gone = /^(\d+)\/net\//;
    const procFs = new Proxy(live, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const pid = typeof args[0] === "string" ? Number(gone.exec(args[0])?.[1] ?? process.pid) : process.pid;
          if (pid !== process.pid) throw new ProcessGone(pid);
          return value.apply(target, args);
        };
      },
    });
    try {
      const list = listChannels({ ...createProcessContext(live), procFs });
      // The tables come from this process, and everything is still listed.
      expect(list.some((c) => c.kind === "unix" || c.kind === "tcp")).toBe(true);
    } finally {
      server.close();
    }
  });
});
