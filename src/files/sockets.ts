/**
 * Sockets from /proc/net/{tcp,tcp6,udp,udp6,raw,raw6,unix,packet} matched to the processes that
 * hold them through socket:[inode] fd links — what `ss -p` shows, without netlink.
 */

import type { ProcFs } from "../access/proc-fs.js";
import { decodeBytes, rawBase64IfInvalid } from "../bytes.js";
import { AccessDenied, ParseError, ProcError, Unavailable } from "../errors.js";
import { fieldFailure } from "../model/reader.js";
import type { Socket, SocketOwner, SocketProtocol, SocketTable } from "../model/socket.js";
import type { FieldErrors, ProcessContext } from "../processes/process.js";
import { type LineProblem, problemsOf, type WithProblems } from "../procfs/_lines.js";
import { parseNetPacket } from "../procfs/net/packet.js";
import { type InetSocketEntry, parseNetInet } from "../procfs/net/tcp.js";
import { parseNetUnix, type UnixSocketEntry, unixNameAsPrinted } from "../procfs/net/unix.js";
import { type ListOpenFilesOptions, listOpenFiles, type ProcessFiles, requireReadableFds } from "./fds.js";

export type { Socket, SocketOwner, SocketProtocol, SocketTable };

export const SOCKET_PROTOCOLS: readonly SocketProtocol[] = ["tcp", "tcp6", "udp", "udp6", "raw", "raw6", "unix", "packet"];

const SS_STATE: Record<string, string> = {
  ESTABLISHED: "ESTAB",
  SYN_SENT: "SYN-SENT",
  SYN_RECV: "SYN-RECV",
  FIN_WAIT1: "FIN-WAIT-1",
  FIN_WAIT2: "FIN-WAIT-2",
  TIME_WAIT: "TIME-WAIT",
  CLOSE: "UNCONN",
  CLOSE_WAIT: "CLOSE-WAIT",
  LAST_ACK: "LAST-ACK",
  LISTEN: "LISTEN",
  CLOSING: "CLOSING",
  NEW_SYN_RECV: "SYN-RECV",
};

function inetSocket(protocol: SocketProtocol, e: InetSocketEntry): Omit<Socket, "owners"> {
  return {
    protocol,
    inode: e.inode,
    state: SS_STATE[e.state] ?? e.state,
    socketType: null,
    localAddress: e.localAddress,
    localPort: e.localPort,
    remoteAddress: e.remoteAddress,
    remotePort: e.remotePort,
    path: null,
    txQueueBytes: e.txQueue,
    rxQueueBytes: e.rxQueue,
    backlog: null,
    uid: e.uid,
    refCount: null,
    peerInode: null,
  };
}

/** What sock_diag tells of one UNIX socket that /proc/net/unix does not. */
interface KernelUnixSocket {
  readonly peerInode: number | null;
  /** For a listener: connections waiting to be accepted; else bytes (stream) queued. */
  readonly receiveQueue: number | null;
  /** For a listener: listen()'s backlog; else bytes queued to send. */
  readonly sendQueue: number | null;
  /** The name's bytes as /proc/net/unix prints them (unixNameAsPrinted), null when unbound. */
  readonly printedName: Uint8Array | null;
}

const ABSENT = 0xffffffff;

/**
 * Every UNIX socket of this network namespace by inode, asked of the kernel over sock_diag (the
 * native helper: /proc/net/unix has no peer or queue column, prints names raw, and Node cannot
 * open a netlink socket). Socket inodes are unique machine-wide, so an answer for our namespace
 * never mislabels a socket of another one. Throws Unavailable with the reason on a captured tree
 * or without the helper, AccessDenied when the kernel refuses.
 */
function askUnixSockets(procFs: ProcFs): Map<number, KernelUnixSocket> {
  const { module, reason } = procFs.native();
  if (!module)
    throw new Unavailable(
      procFs.isLive ? reason : `UNIX socket peers are not captured in ${procFs.root} (sock_diag asks the running kernel)`,
    );
  let answer: { numbers: Uint32Array; names: Buffer };
  try {
    answer = module.unixSockets();
  } catch (error) {
    const errno = (error as { errno?: number }).errno;
    if (errno === 1 || errno === 13) throw new AccessDenied("sock_diag (UNIX sockets)", "the kernel refused the netlink request", error);
    throw new Unavailable(`sock_diag (UNIX sockets): ${(error as Error).message}`, { cause: error });
  }
  const { numbers, names } = answer;
  const sockets = new Map<number, KernelUnixSocket>();
  for (let i = 0; i + 5 < numbers.length; i += 6) {
    const [inode, peer, receiveQueue, sendQueue, nameOffset, nameLength] = numbers.subarray(i, i + 6) as unknown as number[];
    sockets.set(inode as number, {
      peerInode: peer === 0 ? null : (peer as number),
      receiveQueue: receiveQueue === ABSENT ? null : (receiveQueue as number),
      sendQueue: sendQueue === ABSENT ? null : (sendQueue as number),
      printedName:
        nameLength === ABSENT
          ? null
          : unixNameAsPrinted(names.subarray(nameOffset as number, (nameOffset as number) + (nameLength as number))),
    });
  }
  return sockets;
}

/** The kernel's UNIX sockets (askUnixSockets); on failure records why in errors.peers. */
function kernelUnixSockets(procFs: ProcFs, errors: FieldErrors): Map<number, KernelUnixSocket> | null {
  try {
    return askUnixSockets(procFs);
  } catch (error) {
    if (!(error instanceof ProcError)) throw error;
    errors.peers = fieldFailure(error);
    return null;
  }
}

/**
 * Parses /proc/net/unix text (read as latin1, so each path's bytes come back whole for its raw
 * twin), each name checked against the kernel's (`kernel`, when it could be asked).
 */
function parseUnixTable(text: string, kernel: ReadonlyMap<number, KernelUnixSocket> | null): WithProblems<UnixSocketEntry[]> {
  if (!kernel) return parseNetUnix(text);
  const names = new Map<number, string>();
  for (const [inode, socket] of kernel) if (socket.printedName) names.set(inode, latin1(socket.printedName));
  return parseNetUnix(text, names);
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/** A UNIX socket's path as shown (invalid UTF-8 as \xNN) and, when needed, its raw twin. */
function unixPath(latin1Path: string | null): { path: string | null; raw: string | null } {
  if (latin1Path === null) return { path: null, raw: null };
  const bytes = Buffer.from(latin1Path, "latin1");
  return { path: decodeBytes(bytes), raw: rawBase64IfInvalid(bytes) };
}

/**
 * inode → backlog (listen()'s maximum accept queue) of every listening TCP socket in this network
 * namespace, asked of the kernel over sock_diag (the native helper). /proc/net/tcp has no column
 * for it: a listener's tx_queue there is 0. Throws like askUnixSocketPeers.
 */
function askListenBacklogs(procFs: ProcFs): Map<number, number> {
  const { module, reason } = procFs.native();
  if (!module)
    throw new Unavailable(
      procFs.isLive ? reason : `listen backlogs are not captured in ${procFs.root} (sock_diag asks the running kernel)`,
    );
  let triples: Uint32Array;
  try {
    triples = module.tcpListenQueues();
  } catch (error) {
    const errno = (error as { errno?: number }).errno;
    if (errno === 1 || errno === 13) throw new AccessDenied("sock_diag (TCP listeners)", "the kernel refused the netlink request", error);
    throw new Unavailable(`listen backlogs: ${(error as Error).message}`, { cause: error });
  }
  const backlogs = new Map<number, number>();
  for (let i = 0; i + 2 < triples.length; i += 3) backlogs.set(triples[i] as number, triples[i + 2] as number);
  return backlogs;
}

/** Parsed socket tables of one network namespace. */
export interface SocketTables {
  sockets: Omit<Socket, "owners">[];
  errors: FieldErrors;
  problems: SocketTable["problems"];
}

/**
 * Reads and parses the /proc/net tables under `netDir` ("net" or "PID/net"). `unixPeers: false`
 * skips asking the kernel for UNIX socket peers, names and queues and TCP listen backlogs (it
 * answers for our own namespace only).
 */
export function readSocketTables(procFs: ProcFs, netDir = "net", options: { readonly unixPeers?: boolean } = {}): SocketTables {
  const askKernel = options.unixPeers !== false;
  const sockets: Omit<Socket, "owners">[] = [];
  const errors: FieldErrors = {};
  const problems: Partial<Record<SocketProtocol, readonly LineProblem[]>> = {};
  const note = <T>(protocol: SocketProtocol, parsed: T): T => {
    const skipped = problemsOf(parsed);
    if (skipped.length > 0) problems[protocol] = skipped;
    return parsed;
  };
  for (const protocol of SOCKET_PROTOCOLS) {
    const file = `${netDir}/${protocol}`;
    try {
      if (protocol === "unix") {
        // The file first, then the kernel's list: a socket closed in between only loses its check.
        const text = procFs.readBytes(file).toString("latin1");
        const kernel = askKernel && text.indexOf("\n") < text.length - 1 ? kernelUnixSockets(procFs, errors) : null;
        let entries: WithProblems<UnixSocketEntry[]>;
        try {
          entries = note(protocol, parseUnixTable(text, kernel));
        } catch (error) {
          if (error instanceof ParseError) throw error.withPath(procFs.resolve(file));
          throw error;
        }
        if (!kernel && entries.some((e) => e.path !== null))
          errors.names = `not checked with the kernel, so a name holding a newline and text shaped like a record would be listed as sockets: ${errors.peers ?? "sock_diag answers for procscope's own network namespace only"}`;
        for (const e of entries) {
          const known = kernel?.get(e.inode);
          const { path, raw } = unixPath(e.path);
          const listenQueues = e.listening && known !== undefined;
          sockets.push({
            protocol,
            inode: e.inode,
            state: e.listening ? "LISTEN" : e.stateCode === 3 ? "ESTAB" : e.stateCode === 1 ? "UNCONN" : e.state,
            socketType: e.type,
            localAddress: null,
            localPort: null,
            remoteAddress: null,
            remotePort: null,
            path,
            txQueueBytes: null,
            // A listener's receive queue is its connections waiting to be accepted, as for TCP.
            rxQueueBytes: listenQueues ? known.receiveQueue : null,
            backlog: listenQueues ? known.sendQueue : null,
            uid: null,
            refCount: e.refCount,
            peerInode: known?.peerInode ?? null,
            ...(raw === null ? {} : { rawBase64: { path: raw } }),
          });
        }
        if (!kernel && errors.peers !== undefined && entries.some((e) => e.listening)) errors.backlog = errors.peers;
      } else if (protocol === "packet") {
        for (const e of note(protocol, procFs.parse(file, parseNetPacket)))
          sockets.push({
            protocol,
            inode: e.inode,
            state: "UNCONN",
            socketType: e.typeCode === 3 ? "raw" : e.typeCode === 2 ? "dgram" : `type${e.typeCode}`,
            localAddress: `ifindex ${e.ifindex}`,
            localPort: e.protocol,
            remoteAddress: null,
            remotePort: null,
            path: null,
            txQueueBytes: null,
            rxQueueBytes: null,
            backlog: null,
            uid: e.uid,
            refCount: null,
            peerInode: null,
          });
      } else {
        const family = protocol.endsWith("6") ? "inet6" : "inet";
        for (const e of note(
          protocol,
          procFs.parse(file, (text) => parseNetInet(text, family)),
        ))
          sockets.push(inetSocket(protocol, e));
      }
    } catch (error) {
      if (!(error instanceof ProcError)) throw error;
      // On a captured tree a missing table was not captured; live, the kernel lacks the protocol.
      errors[protocol] =
        error.kind === "Unavailable" && procFs.isLive ? `the kernel offers no ${file} (protocol not loaded?)` : fieldFailure(error);
    }
  }
  const listeners = sockets.filter((s) => (s.protocol === "tcp" || s.protocol === "tcp6") && s.state === "LISTEN");
  if (askKernel && listeners.length > 0) {
    let backlogs: Map<number, number> | null = null;
    try {
      backlogs = askListenBacklogs(procFs);
    } catch (error) {
      if (!(error instanceof ProcError)) throw error;
      errors.backlog = fieldFailure(error);
    }
    if (backlogs) for (const listener of listeners) (listener as { backlog: number | null }).backlog = backlogs.get(listener.inode) ?? null;
  } else if (listeners.length > 0 && !procFs.isLive)
    errors.backlog = `listen backlogs are not captured in ${procFs.root} (sock_diag asks the running kernel)`;
  return { sockets, errors, problems };
}

/** The socket tables of one process's network namespace, and which namespace that is. */
export interface NamespaceTables {
  /** The ns/net link text ("net:[4026531840]"), or "PID N" when it could not be read. */
  readonly namespace: string;
  readonly tables: SocketTables;
}

/**
 * A reader of socket tables by process: each network namespace's tables are read once, through
 * the first process met in it (`PID/net`, which a capture keeps per namespace), on first use.
 * UNIX socket peers are asked only for our own namespace, the one sock_diag answers for.
 * const tablesOf = socketTablesByNamespace(procFs); tablesOf(4242).tables.sockets
 */
export function socketTablesByNamespace(procFs: ProcFs): (pid: number) => NamespaceTables {
  const byNamespace = new Map<string, NamespaceTables>();
  let own: string | null | undefined;
  const ownNamespace = (): string | null => {
    if (own === undefined) {
      try {
        own = procFs.isLive ? procFs.readLink("self/ns/net").toString("latin1") : null;
      } catch {
        own = null;
      }
    }
    return own;
  };
  return (pid) => {
    let namespace: string;
    try {
      namespace = procFs.readLink(`${pid}/ns/net`).toString("latin1");
    } catch {
      namespace = `PID ${pid}`;
    }
    let entry = byNamespace.get(namespace);
    if (!entry) {
      const netDir = procFs.exists(`${pid}/net`) ? `${pid}/net` : "net";
      const unixPeers = !procFs.isLive || namespace === ownNamespace();
      entry = { namespace, tables: readSocketTables(procFs, netDir, { unixPeers }) };
      byNamespace.set(namespace, entry);
    }
    return entry;
  };
}

/** Maps socket inode → holders, from processes' fd lists. */
export function socketOwners(processes: readonly ProcessFiles[]): Map<number, SocketOwner[]> {
  const owners = new Map<number, SocketOwner[]>();
  for (const p of processes) {
    for (const f of p.fds ?? []) {
      if (f.type !== "socket" || f.inode === null) continue;
      const list = owners.get(f.inode) ?? [];
      owners.set(f.inode, list);
      list.push({ pid: p.pid, comm: p.comm, startTimeTicks: p.startTimeTicks, fd: f.fd });
    }
  }
  return owners;
}

export interface SocketsOptions {
  /** Only sockets this process holds; the tables are read from its network namespace. */
  readonly pid?: number;
  /** Only these protocols. */
  readonly protocols?: readonly SocketProtocol[];
  /** Told of each process whose fds could not be read: the sockets it holds have no owner listed. */
  readonly onSkipped?: ListOpenFilesOptions["onSkipped"];
}

/** Scans every process's fd links (readlink only: no fdinfo, no stat). */
export function scanSocketHolders(
  context: ProcessContext,
  pids?: readonly number[],
  onSkipped?: ListOpenFilesOptions["onSkipped"],
): ProcessFiles[] {
  return listOpenFiles(context, {
    fdinfo: false,
    stat: false,
    keepUnreadable: false,
    ...(pids ? { pids } : {}),
    ...(onSkipped ? { onSkipped } : {}),
  });
}

/**
 * The sockets of the system (or of one process), with the processes holding them.
 * sockets(context).sockets.filter((s) => s.state === "LISTEN")
 */
export function listSockets(context: ProcessContext, options: SocketsOptions = {}): SocketTable {
  const { procFs } = context;
  let netDir = "net";
  if (options.pid !== undefined) {
    // Check the process first: a missing PID is ProcessGone and an unreadable one AccessDenied, not an empty table.
    requireReadableFds(procFs, options.pid);
    netDir = `${options.pid}/net`;
  }
  const tables = readSocketTables(procFs, netDir);
  const owners = socketOwners(scanSocketHolders(context, undefined, options.onSkipped));
  let list: Socket[] = tables.sockets.map((s) => ({ ...s, owners: owners.get(s.inode) ?? [] }));
  if (options.pid !== undefined) {
    const pid = options.pid;
    list = list.filter((s) => s.owners.some((o) => o.pid === pid));
  }
  if (options.protocols) {
    const wanted = options.protocols;
    list = list.filter((s) => wanted.includes(s.protocol));
  }
  return { sockets: list, errors: tables.errors, problems: tables.problems };
}
