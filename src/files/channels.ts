/**
 * Channels: who is joined to whom. Pipes by pipefs inode, FIFOs by device and inode, TCP/UDP
 * between local processes by matching the two ends' addresses, UNIX sockets by the peer inodes
 * the kernel reports over sock_diag (the native helper). /proc/net/unix has no peer column, so
 * without the helper a socketpair is recognised by its two consecutive inodes, and a connection
 * to a named socket only on the server's side.
 */

import { escapeControl } from "../bytes.js";
import { type ProcError, ProcessGone } from "../errors.js";
import type { Channel, ChannelEnd, ChannelKind } from "../model/channel.js";
import type { ProcessContext } from "../processes/process.js";
import { listOpenFiles, type ProcessFiles, requireReadableFds } from "./fds.js";
import { type Socket, type SocketProtocol, socketTablesByNamespace } from "./sockets.js";

export type { Channel, ChannelEnd, ChannelKind };

export interface ChannelOptions {
  /** Only channels with an end in this process. */
  readonly pid?: number;
  /** Told of each process whose fds could not be read (see ListOpenFilesOptions.onSkipped). */
  readonly onSkipped?: (pid: number, error: ProcError) => void;
}

interface Holder {
  readonly p: ProcessFiles;
  readonly fd: number;
  readonly mode: "r" | "w" | "u" | null;
  readonly inode: number;
}

function end(h: Holder, socket: boolean): ChannelEnd {
  return {
    pid: h.p.pid,
    comm: h.p.comm,
    startTimeTicks: h.p.startTimeTicks,
    fd: h.fd,
    side: socket ? "both" : h.mode === "r" ? "read" : h.mode === "w" ? "write" : h.mode === "u" ? "both" : null,
    inode: h.inode,
  };
}

function distinctPids(ends: readonly ChannelEnd[]): number {
  return new Set(ends.map((e) => e.pid)).size;
}

/**
 * Finds the channels between processes from already-read fd lists and socket tables (pure).
 * Only channels with ends in at least two processes are returned, with one exception below.
 * `unixPeersKnown`: the sockets' peerInode came from the kernel (else UNIX sockets are matched by
 * guesswork). `namespaceOf`: socket inode → its network namespace, when the list joins several
 * namespaces' tables (two namespaces may each have a 127.0.0.1:80 <-> 127.0.0.1:41000
 * connection; only ends in the same namespace are joined). `unknownPeerReason`: when peers are
 * not known, why (a capture holds no UNIX peers); each connected UNIX socket that no guess
 * paired is then returned on its own, match "unknown" with that reason, so a connection whose
 * other end cannot be named is said to be there rather than left out.
 */
export function buildChannels(
  processes: readonly ProcessFiles[],
  socketList: readonly Omit<Socket, "owners">[],
  unixPeersKnown = false,
  namespaceOf?: ReadonlyMap<number, string>,
  unknownPeerReason?: string,
): Channel[] {
  const pipes = new Map<number, Holder[]>();
  const fifos = new Map<string, { path: string; raw: string | undefined; inode: number; holders: Holder[] }>();
  const sockets = new Map<number, Holder[]>();
  for (const p of processes) {
    for (const f of p.fds ?? []) {
      if (f.inode === null) continue;
      const h: Holder = { p, fd: f.fd, mode: f.mode, inode: f.inode };
      if (f.type === "pipe") {
        const list = pipes.get(f.inode) ?? [];
        list.push(h);
        pipes.set(f.inode, list);
      } else if (f.type === "fifo") {
        const key = `${f.device}:${f.inode}`;
        const entry = fifos.get(key) ?? { path: f.path ?? "", raw: rawPath(f), inode: f.inode, holders: [] };
        entry.holders.push(h);
        fifos.set(key, entry);
      } else if (f.type === "socket") {
        const list = sockets.get(f.inode) ?? [];
        list.push(h);
        sockets.set(f.inode, list);
      }
    }
  }
  const channels: Channel[] = [];
  for (const [inode, holders] of pipes)
    channels.push({ kind: "pipe", inode, label: null, match: "inode", ends: holders.map((h) => end(h, false)) });
  for (const { path, raw, inode, holders } of fifos.values())
    channels.push({ kind: "fifo", inode, label: path, match: "inode", ends: holders.map((h) => end(h, false)), ...rawLabel(raw) });

  const joined = (a: number, b: number) => [...(sockets.get(a) ?? []), ...(sockets.get(b) ?? [])].map((h) => end(h, true));
  // TCP/UDP: an established socket whose remote is another socket's local, both held here.
  const byLocal = new Map<string, Omit<Socket, "owners">>();
  const inet = socketList.filter((s) => s.protocol !== "unix" && s.protocol !== "packet" && s.protocol !== "raw" && s.protocol !== "raw6");
  const ns = (s: Omit<Socket, "owners">) => namespaceOf?.get(s.inode) ?? "";
  for (const s of inet) if (s.state === "ESTAB") byLocal.set(`${ns(s)}|${s.protocol[0]}|${s.localAddress}|${s.localPort}`, s);
  const done = new Set<number>();
  for (const s of inet) {
    if (s.state !== "ESTAB" || done.has(s.inode) || !sockets.has(s.inode)) continue;
    const peer = byLocal.get(`${ns(s)}|${s.protocol[0]}|${s.remoteAddress}|${s.remotePort}`);
    if (!peer || peer.inode === s.inode || !sockets.has(peer.inode)) continue;
    if (peer.remoteAddress !== s.localAddress || peer.remotePort !== s.localPort) continue;
    done.add(s.inode).add(peer.inode);
    const ends = joined(s.inode, peer.inode);
    const kind: ChannelKind = s.protocol.startsWith("tcp") ? "tcp" : "udp";
    const label = `${s.localAddress}:${s.localPort} <-> ${peer.localAddress}:${peer.localPort}`;
    channels.push({ kind, inode: Math.min(s.inode, peer.inode), label, match: "address", ends });
  }

  const unix = new Map<number, Omit<Socket, "owners">>();
  for (const s of socketList) if (s.protocol === "unix") unix.set(s.inode, s);
  if (unixPeersKnown) {
    for (const s of unix.values()) {
      const peer = s.peerInode;
      if (peer === null || done.has(s.inode) || !sockets.has(s.inode) || !sockets.has(peer)) continue;
      done.add(s.inode).add(peer);
      // The accepted end of a connection to a named socket carries the path; the client's does not.
      const named = s.path !== null ? s : unix.get(peer);
      const label = named?.path ?? null;
      channels.push({
        kind: "unix",
        inode: Math.min(s.inode, peer),
        label,
        match: "peer",
        ends: joined(s.inode, peer),
        ...rawLabel(named && rawPath(named)),
      });
    }
  } else {
    guessUnixChannels(unix, sockets, done, channels, joined);
    if (unknownPeerReason !== undefined)
      for (const s of unix.values()) {
        if (s.state !== "ESTAB" || done.has(s.inode) || !sockets.has(s.inode)) continue;
        channels.push({
          kind: "unix",
          inode: s.inode,
          label: s.path,
          match: "unknown",
          ends: (sockets.get(s.inode) ?? []).map((h) => end(h, true)),
          reason: unknownPeerReason,
          ...rawLabel(rawPath(s)),
        });
      }
  }

  return channels
    .filter((c) => distinctPids(c.ends) >= 2 || c.match === "unknown")
    .map((c) => ({ ...c, ends: [...c.ends].sort((a, b) => sideOrder(a) - sideOrder(b) || a.pid - b.pid || a.fd - b.fd) }))
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.inode - b.inode);
}

/** UNIX channels from /proc alone, when the kernel's peer inodes are not available. */
function guessUnixChannels(
  unix: ReadonlyMap<number, Omit<Socket, "owners">>,
  sockets: ReadonlyMap<number, Holder[]>,
  done: Set<number>,
  channels: Channel[],
  joined: (a: number, b: number) => ChannelEnd[],
): void {
  // socketpair() allocates its two inodes one after the other, and a connected socket
  // whose peer is alive has a reference count of at least 3 (the peer holds one). Pair such
  // sockets in ascending order, so a pair is never split across two neighbours.
  const pairable = (s: Omit<Socket, "owners"> | undefined): s is Omit<Socket, "owners"> =>
    s !== undefined && s.state === "ESTAB" && s.path === null && (s.refCount ?? 0) >= 3 && !done.has(s.inode);
  for (const inode of [...unix.keys()].sort((a, b) => a - b)) {
    const s = unix.get(inode);
    const peer = unix.get(inode + 1);
    if (!pairable(s) || !pairable(peer) || peer.socketType !== s.socketType) continue;
    done.add(s.inode).add(peer.inode);
    if (!sockets.has(s.inode) || !sockets.has(peer.inode)) continue;
    channels.push({ kind: "unix", inode: s.inode, label: null, match: "adjacent-inode", ends: joined(s.inode, peer.inode) });
  }
  // Named UNIX sockets: the listener and the accepted sockets carry the path.
  const byPath = new Map<string, { raw: string | undefined; holders: Holder[] }>();
  for (const s of unix.values()) {
    if (s.path === null || !sockets.has(s.inode)) continue;
    const entry = byPath.get(s.path) ?? { raw: rawPath(s), holders: [] };
    entry.holders.push(...(sockets.get(s.inode) ?? []));
    byPath.set(s.path, entry);
  }
  for (const [path, { raw, holders }] of byPath)
    channels.push({
      kind: "unix",
      inode: Math.min(...holders.map((h) => h.inode)),
      label: path,
      match: "path",
      ends: holders.map((h) => end(h, true)),
      ...rawLabel(raw),
    });
}

/** The raw bytes (base64) of a path that was not valid UTF-8, from an fd or a socket. */
function rawPath(source: { readonly rawBase64?: Readonly<Record<string, unknown>> | undefined }): string | undefined {
  const raw = source.rawBase64?.path;
  return typeof raw === "string" ? raw : undefined;
}

/** A channel's raw twin of its label, when the path it came from was not valid UTF-8. */
function rawLabel(raw: string | undefined): { rawBase64?: { label: string } } {
  return raw === undefined ? {} : { rawBase64: { label: raw } };
}

const KIND_ORDER: readonly ChannelKind[] = ["pipe", "fifo", "unix", "tcp", "udp"];

function sideOrder(e: ChannelEnd): number {
  return e.side === "write" ? 0 : e.side === "read" ? 2 : 1;
}

const CHANNEL_PROTOCOLS: readonly SocketProtocol[] = ["tcp", "tcp6", "udp", "udp6", "unix"];

/**
 * Channels joining processes, read from /proc now. Socket tables are read from the network
 * namespace of each process holding sockets (containers, `unshare --net`), once per namespace.
 * channels(context, { pid: 42 }).filter((c) => c.kind === "pipe")
 */
export function listChannels(context: ProcessContext, options: ChannelOptions = {}): Channel[] {
  if (options.pid !== undefined) requireReadableFds(context.procFs, options.pid);
  const processes = listOpenFiles(context, {
    keepUnreadable: false,
    fdinfoTypes: ["fifo"],
    modeFromLink: true,
    ...(options.onSkipped ? { onSkipped: options.onSkipped } : {}),
  });
  const tablesOf = socketTablesByNamespace(context.procFs);
  const socketList: Omit<Socket, "owners">[] = [];
  const namespaceOf = new Map<number, string>();
  const read = new Set<string>();
  let unixPeersKnown = true;
  let unknownPeerReason: string | undefined;
  for (const p of processes) {
    if (!p.fds?.some((f) => f.type === "socket")) continue;
    let namespaceTables: ReturnType<typeof tablesOf>;
    try {
      namespaceTables = tablesOf(p.pid);
    } catch (error) {
      // Gone since its fds were read: its namespace's tables come from another holder, or went with it.
      if (error instanceof ProcessGone) continue;
      throw error;
    }
    const { namespace, tables } = namespaceTables;
    if (read.has(namespace)) continue;
    read.add(namespace);
    if (tables.errors.peers !== undefined) {
      unixPeersKnown = false;
      unknownPeerReason ??= tables.errors.peers;
    }
    for (const s of tables.sockets) {
      if (!CHANNEL_PROTOCOLS.includes(s.protocol) || namespaceOf.has(s.inode)) continue;
      namespaceOf.set(s.inode, namespace);
      socketList.push(s);
    }
  }
  const list = buildChannels(processes, socketList, unixPeersKnown, namespaceOf, unknownPeerReason);
  if (options.pid === undefined) return list;
  const pid = options.pid;
  return list.filter((c) => c.ends.some((e) => e.pid === pid));
}

function dotString(text: string): string {
  return `"${escapeControl(text).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * A Graphviz graph: one node per process, one edge per pipe/FIFO from writer to reader, and an
 * undirected-looking edge per socket channel.
 */
export function renderChannelsDot(list: readonly Channel[]): string {
  const nodes = new Map<number, string>();
  const edges: string[] = [];
  for (const c of list) {
    for (const e of c.ends) nodes.set(e.pid, `${e.pid} ${e.comm}`);
    const name = c.label ?? `${c.kind}:[${c.inode}]`;
    const writers = c.ends.filter((e) => e.side === "write" || e.side === "both");
    const readers = c.ends.filter((e) => e.side === "read" || e.side === "both");
    const seen = new Set<string>();
    if (c.kind === "pipe" || c.kind === "fifo") {
      for (const w of writers)
        for (const r of readers) {
          const key = `${w.pid}>${r.pid}`;
          if (w.pid === r.pid || seen.has(key)) continue;
          seen.add(key);
          edges.push(`  p${w.pid} -> p${r.pid} [label=${dotString(name)}];`);
        }
    } else {
      const pids = [...new Set(c.ends.map((e) => e.pid))];
      for (let i = 1; i < pids.length; i++) edges.push(`  p${pids[0]} -> p${pids[i]} [label=${dotString(name)}, dir=both, style=dashed];`);
    }
  }
  const lines = ["digraph procscope {", "  rankdir=LR;", "  node [shape=box];"];
  for (const [pid, label] of [...nodes].sort((a, b) => a[0] - b[0])) lines.push(`  p${pid} [label=${dotString(label)}];`);
  lines.push(...edges, "}");
  return `${lines.join("\n")}\n`;
}
