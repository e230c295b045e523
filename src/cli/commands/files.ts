/** fds, lsof, peers, net, recover, progress, follow, pipeline: the files and connections commands. */
import type { Command } from "commander";
import { parseInterval, parsePid, parsePidList } from "../args.js";
import { type CommandRun, type RunAction, withCommonOptions } from "../command.js";
import { UsageError } from "../exit.js";

function parseFd(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 0x7fffffff) throw new UsageError(`FD must be a file descriptor number, got "${text}"`);
  return Number(text);
}

async function fds(run: CommandRun, pidText: string): Promise<void> {
  const pid = parsePid(pidText);
  const { listFds } = await import("../../files/fds.js");
  const list = listFds(run.procFs, pid);
  if (run.json) return run.printJson(list);
  const { renderFdTable } = await import("../render/files.js");
  run.print(renderFdTable(list, run.width));
}

interface LsofOptions {
  readonly path?: string;
  readonly type?: string;
  readonly deleted?: boolean;
  readonly pid?: string;
}

async function lsof(run: CommandRun, options: LsofOptions): Promise<void> {
  const { FD_TYPES, listOpenFiles, deletedTotals } = await import("../../files/fds.js");
  const type = options.type;
  if (type !== undefined && !(FD_TYPES as readonly string[]).includes(type))
    throw new UsageError(`--type must be one of ${FD_TYPES.join(", ")}, got "${type}"`);
  const pids = options.pid === undefined ? undefined : parsePidList(options.pid);
  let match: ((f: import("../../files/fds.js").FileDescriptor) => boolean) | undefined;
  if (options.path !== undefined) {
    const { pathMatcher } = await import("../../files/holders.js");
    match = pathMatcher(options.path);
  }
  const filter =
    match || type || options.deleted
      ? (f: import("../../files/fds.js").FileDescriptor) =>
          (!match || match(f)) && (!type || f.type === type) && (!options.deleted || (f.deleted && f.type === "file"))
      : undefined;
  const processes = listOpenFiles(run.context, { ...(pids ? { pids } : {}), ...(filter ? { filter } : {}) });
  if (options.deleted) {
    const totals = deletedTotals(processes);
    if (run.json) return run.printJson({ totalBytes: totals.reduce((a, t) => a + t.bytes, 0), totals, processes });
    const { renderLsofTable, renderDeletedTotals } = await import("../render/files.js");
    run.print(`${renderLsofTable(processes, run.width)}\n${renderDeletedTotals(totals, run.width)}`);
    return;
  }
  if (options.path !== undefined && processes.length === 0) run.exitCode = 1;
  if (run.json) return run.printJson(processes);
  const { renderLsofTable } = await import("../render/files.js");
  run.print(renderLsofTable(processes, run.width));
}

async function peers(run: CommandRun, pidText: string | undefined, options: { dot?: boolean }): Promise<void> {
  const pid = pidText === undefined ? undefined : parsePid(pidText);
  const { channels, channelsToDot } = await import("../../files/channels.js");
  const list = channels(run.context, pid === undefined ? {} : { pid });
  if (options.dot) return run.print(channelsToDot(list));
  if (run.json) return run.printJson(list);
  const { renderChannels } = await import("../render/files.js");
  run.print(renderChannels(list, run.width));
}

async function net(run: CommandRun, pidText: string | undefined, options: { protocol?: string }): Promise<void> {
  const pid = pidText === undefined ? undefined : parsePid(pidText);
  const { sockets, SOCKET_PROTOCOLS } = await import("../../files/sockets.js");
  let protocols: import("../../files/sockets.js").SocketProtocol[] | undefined;
  if (options.protocol !== undefined) {
    const wanted = options.protocol.split(/[\s,]+/).filter((p) => p !== "");
    for (const p of wanted)
      if (!(SOCKET_PROTOCOLS as readonly string[]).includes(p))
        throw new UsageError(`--protocol must list ${SOCKET_PROTOCOLS.join(", ")}, got "${p}"`);
    protocols = wanted as import("../../files/sockets.js").SocketProtocol[];
  }
  const table = sockets(run.context, { ...(pid === undefined ? {} : { pid }), ...(protocols ? { protocols } : {}) });
  for (const [file, reason] of Object.entries(table.errors))
    if (!reason.startsWith("the kernel offers no")) run.warn(`net/${file}: ${reason}`);
  if (run.json) return run.printJson(table);
  const { renderSockets } = await import("../render/files.js");
  run.print(renderSockets(table.sockets, run.width));
}

export function registerFilesCommands(program: Command, runAction: RunAction): void {
  withCommonOptions(
    program
      .command("fds")
      .description("open file descriptors of a process: fd, type, inode, offset, size, flags, target")
      .argument("<pid>", "process ID"),
  ).action(runAction(fds));

  withCommonOptions(
    program
      .command("lsof")
      .description("open files across processes; --path answers who holds a file, --deleted totals space held by deleted files")
      .option("--path <file>", "only fds that refer to this file (same device and inode, or same path)")
      .option("--type <type>", "only fds of this type: file, dir, pipe, fifo, socket, anon_inode, memfd, dev, tty, unknown")
      .option("--deleted", "only deleted regular files still held open, with totals per process")
      .option("--pid <list>", "only these PIDs (comma-separated)"),
  ).action(runAction(lsof));

  withCommonOptions(
    program
      .command("peers")
      .description("pipes, FIFOs and sockets joining processes, with both ends")
      .argument("[pid]", "only channels with an end in this process")
      .option("--dot", "print a Graphviz graph instead"),
  ).action(runAction(peers));

  withCommonOptions(
    program
      .command("net")
      .description("sockets from /proc/net (tcp, udp, unix, raw, packet) with the processes holding them, like ss -p")
      .argument("[pid]", "only sockets of this process (read from its network namespace)")
      .option("--protocol <list>", "only these: tcp,tcp6,udp,udp6,raw,raw6,unix,packet"),
  ).action(runAction(net));
}

export { parseFd, parseInterval };
