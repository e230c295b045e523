/** Tables for the files commands (pure: rows in, text out; every cell escaped by renderTable). */

import { plural } from "../../_plural.js";
import type { Channel } from "../../files/channels.js";
import type { DeletedTotal, FileDescriptor, FileUse, ProcessFiles } from "../../files/fds.js";
import type { Socket } from "../../files/sockets.js";
import { type Column, humanBytes, renderTable, TableBuilder } from "./table.js";

function fdName(f: FileDescriptor): string {
  return `${f.fd}${f.mode ?? ""}`;
}

function typeText(f: FileDescriptor): string {
  return f.type === "anon_inode" && f.anonKind ? `anon:${f.anonKind}` : f.type;
}

function flagsText(f: FileDescriptor): string | null {
  return f.flags === null ? null : f.flags.map((flag) => flag.replace(/^O_/, "")).join(",");
}

const FD_COLUMNS: readonly Column<FileDescriptor>[] = [
  { header: "FD", value: fdName, align: "right" },
  { header: "TYPE", value: typeText },
  { header: "INODE", value: (f) => f.inode, align: "right" },
  { header: "POS", value: (f) => f.posBytes, align: "right" },
  { header: "SIZE", value: (f) => f.sizeBytes, align: "right" },
  { header: "FLAGS", value: flagsText },
  { header: "TARGET", value: (f) => f.target },
];

export function renderFdTable(fds: readonly FileDescriptor[], width?: number): string {
  return renderTable(FD_COLUMNS, fds, { width });
}

interface LsofRow {
  p: ProcessFiles;
  f: FileDescriptor | null;
  /** A file used other than through an fd (cwd, rtd, txt, mem), shown as lsof shows it. */
  u: FileUse | null;
}

const LSOF_COLUMNS: readonly Column<LsofRow>[] = [
  { header: "COMMAND", value: (r) => r.p.comm },
  { header: "PID", value: (r) => r.p.pid, align: "right" },
  { header: "USER", value: (r) => r.p.user ?? r.p.uid },
  { header: "FD", value: (r) => (r.u ? r.u.use : r.f ? fdName(r.f) : "?"), align: "right" },
  { header: "TYPE", value: (r) => (r.u ? (r.u.use === "cwd" || r.u.use === "rtd" ? "dir" : "file") : r.f ? typeText(r.f) : null) },
  { header: "POS", value: (r) => r.f?.posBytes, align: "right" },
  { header: "SIZE", value: (r) => r.f?.sizeBytes, align: "right" },
  { header: "INODE", value: (r) => (r.u ? r.u.inode : r.f?.inode), align: "right" },
  {
    header: "NAME",
    value: (r) => (r.u ? `${r.u.path ?? "?"}${r.u.deleted ? " (deleted)" : ""}` : r.f ? r.f.target : `(${r.p.errors.fds ?? "unreadable"})`),
  },
];

/** One row per fd (or per process whose fds cannot be read), taken as the listing goes. */
export function renderLsofTable(processes: Iterable<ProcessFiles>, width?: number): string {
  return lsofTable(processes).render({ width });
}

/** renderLsofTable's text handed to `write` in pieces, for a listing too long to hold as one string. */
export function writeLsofTable(processes: Iterable<ProcessFiles>, write: (text: string) => void, width?: number): void {
  lsofTable(processes).write(write, { width });
}

function lsofTable(processes: Iterable<ProcessFiles>): TableBuilder<LsofRow> {
  const table = new TableBuilder(LSOF_COLUMNS);
  // One row object for all: the table takes a row's cells when it is added.
  const row: LsofRow = { p: null as unknown as ProcessFiles, f: null, u: null };
  const add = (p: ProcessFiles, f: FileDescriptor | null, u: FileUse | null) => {
    row.p = p;
    row.f = f;
    row.u = u;
    table.add(row);
  };
  for (const p of processes) {
    // As lsof orders them: the directories and program first, then maps, then fds.
    for (const u of p.uses ?? []) add(p, null, u);
    if (p.fds === null) {
      if ((p.uses ?? []).length === 0) add(p, null, null);
    } else for (const f of p.fds) add(p, f, null);
  }
  return table;
}

const DELETED_COLUMNS: readonly Column<DeletedTotal>[] = [
  { header: "PID", value: (t) => t.pid, align: "right" },
  { header: "COMMAND", value: (t) => t.comm },
  { header: "FILES", value: (t) => t.files, align: "right" },
  { header: "HELD", value: (t) => humanBytes(t.bytes), align: "right" },
  { header: "BYTES", value: (t) => t.bytes, align: "right" },
];

/** `sum` counts a file held by several processes once (deletedTotalBytes), unlike the rows. */
export function renderDeletedTotals(totals: readonly DeletedTotal[], sum: number, width?: number): string {
  return `${renderTable(DELETED_COLUMNS, totals, { width })}total: ${humanBytes(sum)} (${sum} bytes) held by deleted files in ${plural(totals.length, "process", "processes")}\n`;
}

function endText(c: Channel): string {
  return c.ends.map((e) => `${e.pid}/${e.comm}[${e.fd}${e.side === "read" ? "r" : e.side === "write" ? "w" : ""}]`).join(" ");
}

const CHANNEL_COLUMNS: readonly Column<Channel>[] = [
  { header: "KIND", value: (c) => c.kind },
  { header: "INODE", value: (c) => c.inode, align: "right" },
  { header: "MATCH", value: (c) => c.match },
  { header: "LABEL", value: (c) => c.label },
  { header: "ENDS (pid/comm[fd side])", value: endText },
];

export function renderChannels(channels: readonly Channel[], width?: number): string {
  return renderTable(CHANNEL_COLUMNS, channels, { width });
}

function endpoint(address: string | null, port: number | null): string | null {
  if (address === null) return null;
  const host = address.includes(":") ? `[${address}]` : address;
  return port === null ? host : `${host}:${port === 0 ? "*" : port}`;
}

const SOCKET_COLUMNS: readonly Column<Socket>[] = [
  { header: "PROTO", value: (s) => (s.protocol === "unix" && s.socketType !== null ? `unix/${s.socketType}` : s.protocol) },
  { header: "STATE", value: (s) => s.state },
  { header: "RECV-Q", value: (s) => s.rxQueueBytes, align: "right" },
  // A listener's Send-Q is its backlog, as ss shows it (/proc/net/tcp says 0, /proc/net/unix nothing).
  {
    header: "SEND-Q",
    value: (s) => (s.state === "LISTEN" && s.protocol !== "udp" && s.protocol !== "udp6" ? s.backlog : s.txQueueBytes),
    align: "right",
  },
  { header: "LOCAL", value: (s) => (s.protocol === "unix" ? (s.path ?? "*") : endpoint(s.localAddress, s.localPort)) },
  // A UNIX peer is a socket, named by its inode as ss -x does.
  {
    header: "PEER",
    value: (s) => (s.protocol === "unix" ? (s.peerInode === null ? "*" : `* ${s.peerInode}`) : endpoint(s.remoteAddress, s.remotePort)),
  },
  { header: "INODE", value: (s) => s.inode, align: "right" },
  { header: "PROCESS", value: (s) => s.owners.map((o) => `${o.comm},pid=${o.pid},fd=${o.fd}`).join(" ") },
];

export function renderSockets(sockets: readonly Socket[], width?: number): string {
  return renderTable(SOCKET_COLUMNS, sockets, { width });
}
