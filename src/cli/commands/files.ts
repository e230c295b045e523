/** fds, lsof, peers, net, recover, progress, follow, pipeline: the files and connections commands. */
import type { Command } from "commander";
import { plural } from "../../_plural.js";
import { escapeControl } from "../../bytes.js";
import { parseInterval, parsePid, parsePidList, parsePidRef } from "../args.js";
import { type CommandRun, type RunAction, withCommonOptions } from "../command.js";
import { UsageError } from "../exit.js";
import { reportMissingPids } from "../missing.js";

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
  readonly full?: boolean;
}

async function lsof(run: CommandRun, options: LsofOptions): Promise<void> {
  const { FD_TYPES, LISTING_FDINFO, iterateOpenFiles, sumDeletedFiles, deletedTotalBytes } = await import("../../files/fds.js");
  const type = options.type;
  if (type !== undefined && !(FD_TYPES as readonly string[]).includes(type))
    throw new UsageError(`--type must be one of ${FD_TYPES.join(", ")}, got "${type}"`);
  const pids = options.pid === undefined ? undefined : parsePidList(options.pid);
  let match: ReturnType<typeof import("../../files/holders.js").pathMatcher> | undefined;
  if (options.path !== undefined) {
    const { pathMatcher } = await import("../../files/holders.js");
    match = pathMatcher(options.path);
  }
  // Who holds the file also counts who runs it, maps it, or works or is rooted in it (lsof, fuser).
  const uses =
    match && type === undefined ? (u: import("../../files/fds.js").FileUse) => match(u) && (!options.deleted || u.deleted) : undefined;
  const filter =
    match || type || options.deleted
      ? (f: import("../../files/fds.js").FileDescriptor) =>
          (!match || match(f)) && (!type || f.type === type) && (!options.deleted || (f.deleted && f.type === "file"))
      : undefined;
  const listed = new Set<number>();
  const { SkippedTally } = await import("../../model/reader.js");
  const tally = new SkippedTally();
  const skippedMaps = new Set<number>();
  const listing = (function* () {
    for (const files of iterateOpenFiles(run.context, {
      ...(options.full ? {} : LISTING_FDINFO),
      ...(pids ? { pids } : {}),
      ...(filter ? { filter } : {}),
      ...(uses ? { uses } : {}),
      onSkipped: (pid, error) => tally.add(pid, error),
      onSkippedLines: (pid) => skippedMaps.add(pid),
    })) {
      listed.add(files.pid);
      yield files;
    }
  })();
  // --json is the same streamed array of ProcessFiles whatever the filters; --deleted's totals
  // per process are in the table (in JSON they are a sum over fds[].sizeBytes).
  if (run.json) run.printJsonArray(listing);
  else if (options.deleted) {
    const processes = [...listing];
    const totals = sumDeletedFiles(processes);
    const { renderLsofTable, renderDeletedTotals } = await import("../render/files.js");
    run.print(`${renderLsofTable(processes, run.width)}\n${renderDeletedTotals(totals, deletedTotalBytes(processes), run.width)}`);
  } else {
    const { writeLsofTable } = await import("../render/files.js");
    writeLsofTable(listing, (text) => run.print(text), run.width);
  }
  reportMissingPids(run, pids, listed);
  await warnSkipped(run, tally);
  if (skippedMaps.size > 0) {
    const shown = [...skippedMaps].slice(0, 5).join(", ") + (skippedMaps.size > 5 ? ", …" : "");
    run.warn(
      `the maps of ${plural(skippedMaps.size, "process", "processes")} (${shown}) had lines that could not be parsed: what those lines map was not looked at`,
    );
  }
  if (options.path !== undefined && listed.size === 0 && run.exitCode === 0) run.exitCode = 1;
}

/**
 * The listing's last word on stderr, as ps and search --all say it: how many processes could not
 * be looked at and why, so an empty result is not mistaken for "nothing there".
 */
async function warnSkipped(run: CommandRun, tally: import("../../model/reader.js").SkippedTally): Promise<void> {
  const { describeSkipped } = await import("../../model/reader.js");
  const text = describeSkipped(tally.skipped(run.procFs));
  if (text !== null) run.warn(text);
}

async function peers(run: CommandRun, pidText: string | undefined, options: { dot?: boolean }): Promise<void> {
  const pid = pidText === undefined ? undefined : parsePid(pidText);
  const { listChannels, renderChannelsDot } = await import("../../files/channels.js");
  const { SkippedTally } = await import("../../model/reader.js");
  const tally = new SkippedTally();
  const list = listChannels(run.context, { ...(pid === undefined ? {} : { pid }), onSkipped: (p, error) => tally.add(p, error) });
  if (options.dot) run.print(renderChannelsDot(list));
  else if (run.json) run.printJson(list);
  else {
    const { renderChannels } = await import("../render/files.js");
    run.print(renderChannels(list, run.width));
  }
  const unknown = list.filter((c) => c.match === "unknown");
  if (unknown.length > 0)
    run.warn(
      `${plural(unknown.length, "connected UNIX socket")} listed without ${unknown.length === 1 ? "its" : "their"} other end: ${unknown[0]?.reason}`,
    );
  await warnSkipped(run, tally);
}

async function net(run: CommandRun, pidText: string | undefined, options: { protocol?: string }): Promise<void> {
  const pid = pidText === undefined ? undefined : parsePid(pidText);
  const { listSockets, SOCKET_PROTOCOLS } = await import("../../files/sockets.js");
  let protocols: import("../../files/sockets.js").SocketProtocol[] | undefined;
  if (options.protocol !== undefined) {
    const wanted = options.protocol.split(/[\s,]+/).filter((p) => p !== "");
    for (const p of wanted)
      if (!(SOCKET_PROTOCOLS as readonly string[]).includes(p))
        throw new UsageError(`--protocol must list ${SOCKET_PROTOCOLS.join(", ")}, got "${p}"`);
    protocols = wanted as import("../../files/sockets.js").SocketProtocol[];
  }
  const { SkippedTally, describeSkipped } = await import("../../model/reader.js");
  const tally = new SkippedTally();
  const table = listSockets(run.context, {
    ...(pid === undefined ? {} : { pid }),
    ...(protocols ? { protocols } : {}),
    onSkipped: (p, error) => tally.add(p, error),
  });
  const notCaptured: string[] = [];
  for (const [file, reason] of Object.entries(table.errors)) {
    // One line when the kernel could not be asked about UNIX sockets at all: peers, names and backlogs.
    if (file === "peers")
      run.warn(
        table.errors.names === undefined
          ? `UNIX socket peers unknown: ${reason}`
          : `UNIX socket peers and listen backlogs unknown, names not checked (a name holding a newline could pass for sockets): ${reason}`,
      );
    else if (file === "names") {
      if (table.errors.peers === undefined) run.warn(`UNIX socket names ${reason}`);
    } else if (file === "backlog") {
      const tcpShown = protocols === undefined || protocols.includes("tcp") || protocols.includes("tcp6");
      const saidWithPeers = table.errors.names !== undefined && reason === table.errors.peers;
      if (tcpShown && !saidWithPeers) run.warn(`backlogs of TCP listeners unknown (SEND-Q "-"): ${reason}`);
    } else if (reason.endsWith("does not exist: not captured")) notCaptured.push(`net/${file}`);
    else if (!reason.startsWith("the kernel offers no")) run.warn(`net/${file}: ${reason}`);
  }
  // One line for the tables a captured tree lacks (a kernel without IPv6 has no tcp6 to capture).
  if (notCaptured.length > 0) run.warn(`${notCaptured.join(", ")}: not captured`);
  const { describeProblems } = await import("../../procfs/_lines.js");
  for (const [file, skipped] of Object.entries(table.problems)) run.warn(describeProblems(`net/${file}`, skipped));
  if (run.json) run.printJson(table);
  else {
    const { renderSockets } = await import("../render/files.js");
    run.print(renderSockets(table.sockets, run.width));
  }
  // A blank PROCESS is a socket no process holds, or one held by a process that could not be read.
  const skipped = describeSkipped(tally.skipped(run.procFs));
  if (skipped !== null) run.warn(`${skipped}; their sockets are listed with no owner`);
}

interface RecoverCliOptions {
  readonly output?: string;
  readonly force?: boolean;
  readonly deleted?: boolean;
}

function progressBar(run: CommandRun): ((copied: number, total: number) => void) | undefined {
  if (!run.io.isTTY || run.json) return undefined;
  let last = 0;
  return (copied, total) => {
    if (total < 16 * 1024 * 1024) return;
    const now = Date.now();
    if (copied < total && now - last < 100) return;
    last = now;
    const width = 30;
    const filled = Math.round((copied / total) * width);
    const percent = Math.floor((copied / total) * 100);
    run.io.stderr(
      `\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${String(percent).padStart(3)}% ${copied}/${total} bytes${copied >= total ? "\n" : ""}`,
    );
  };
}

async function recoverCommand(
  run: CommandRun,
  pidText: string | undefined,
  fdText: string | undefined,
  options: RecoverCliOptions,
): Promise<void> {
  if (options.output === undefined) throw new UsageError("-o OUT is required (a file, or a directory with --deleted)");
  const onProgress = progressBar(run);
  const common = { force: options.force === true, signal: run.io.signal, ...(onProgress ? { onProgress } : {}) };
  if (options.deleted) {
    if (fdText !== undefined) throw new UsageError("--deleted takes at most a PID, not an FD");
    const pid = pidText === undefined ? undefined : parsePid(pidText);
    const { recoverDeleted } = await import("../../files/recover.js");
    const { SkippedTally } = await import("../../model/reader.js");
    const tally = new SkippedTally();
    const result = await recoverDeleted(run.context, options.output, {
      ...common,
      ...(pid === undefined ? {} : { pid }),
      onSkipped: (p, error) => tally.add(p, error),
    });
    if (result.failed.length > 0) run.exitCode = 1;
    if (run.json) run.printJson(result);
    else {
      for (const r of result.recovered) run.print(recoveredLine(r));
      for (const f of result.failed) run.warn(`fd ${f.fd} of process ${f.pid}: ${f.error}`);
      if (options.force !== true && result.failed.some((f) => f.error.includes("already exists")))
        run.warn("--force overwrites the copies that already exist");
      if (result.recovered.length === 0 && result.failed.length === 0) run.print("no deleted files are held open\n");
    }
    // "None held open" may only mean none that could be looked at.
    await warnSkipped(run, tally);
    return;
  }
  if (pidText === undefined || fdText === undefined) throw new UsageError("give PID and FD (or --deleted [PID])");
  const { pid, startTimeTicks } = parsePidRef(pidText);
  const fd = parseFd(fdText);
  const { recover } = await import("../../files/recover.js");
  const result = await recover(run.procFs, pid, fd, options.output, {
    ...common,
    ...(startTimeTicks === null ? {} : { startTimeTicks }),
  });
  // The same report as --deleted's: a flag does not change the shape.
  if (run.json) return run.printJson({ recovered: [result], failed: [] });
  run.print(recoveredLine(result));
}

function recoveredLine(r: import("../../files/recover.js").RecoverResult): string {
  const what = `${r.source === null ? "" : ` (${escapeControl(r.source)}${r.deleted ? ", deleted" : ""})`}`;
  let text = `recovered ${plural(r.copiedBytes, "byte")} from fd ${r.fd} of process ${r.pid}${what} to ${escapeControl(r.out)}\nsha256 ${r.sha256}\n`;
  if (r.growing)
    text += `note: the file is still growing: copied the ${plural(r.copiedBytes, "byte")} it had when the copy started (it has ${r.sizeAfterBytes} now)\n`;
  return text;
}

interface ProgressCliOptions {
  readonly watch?: boolean;
  readonly interval?: string;
}

async function progressCommand(run: CommandRun, pidText: string | undefined, options: ProgressCliOptions): Promise<void> {
  const pid = pidText === undefined ? undefined : parsePid(pidText);
  const intervalMs = options.interval === undefined ? undefined : parseInterval(options.interval);
  const { measureProgress, watchProgress } = await import("../../files/progress.js");
  const { renderProgress } = await import("../render/files-progress.js");
  const { SkippedTally } = await import("../../model/reader.js");
  const tally = new SkippedTally();
  const base = { ...(pid === undefined ? {} : { pid }), signal: run.io.signal };
  if (!options.watch) {
    const rows = await measureProgress(run.context, {
      ...base,
      ...(intervalMs === undefined ? {} : { intervalMs }),
      onSkipped: (p, error) => tally.add(p, error),
    });
    // One sample, the same shape as each line of --watch.
    if (run.json) run.printJson({ time: new Date().toISOString(), files: rows });
    else run.print(rows.length === 0 ? "no file is being read or written\n" : renderProgress(rows, run.width));
    await warnSkipped(run, tally);
    return;
  }
  if (pid !== undefined) run.procFs.openProcess(pid).close();
  let warned = false;
  for await (const tick of watchProgress(run.context, {
    ...base,
    intervalMs: intervalMs ?? 1000,
    onSkipped: (p, error) => tally.add(p, error),
  })) {
    if (!warned) {
      warned = true;
      await warnSkipped(run, tally);
    }
    if (run.json) run.printJsonLine(tick);
    else {
      const body = tick.files.length === 0 ? "no file is being read or written\n" : renderProgress(tick.files, run.width);
      run.print(run.io.isTTY ? `\x1b[H\x1b[2J${tick.time}\n${body}` : `${tick.time}\n${body}\n`);
    }
  }
}

async function followCommand(
  run: CommandRun,
  pidText: string,
  fdText: string | undefined,
  options: { fromStart?: boolean },
): Promise<void> {
  const { pid, startTimeTicks } = parsePidRef(pidText);
  const fd = fdText === undefined ? 2 : parseFd(fdText);
  const { follow } = await import("../../files/follow.js");
  const target = follow(run.procFs, pid, fd, {
    signal: run.io.signal,
    fromStart: options.fromStart === true,
    ...(startTimeTicks === null ? {} : { startTimeTicks }),
  });
  for await (const chunk of target.chunks) {
    if (run.json) run.printJsonLine({ pid, fd, text: chunk.toString("utf8") });
    else if (run.io.isTTY) run.print(escapeControl(chunk.toString("utf8")).replace(/\\n/g, "\n").replace(/\\t/g, "\t"));
    // Piped: pass the bytes through untouched (a string would be re-encoded as UTF-8).
    else if (run.io.stdoutBytes) await run.io.stdoutBytes(chunk);
    else run.print(chunk.toString("utf8"));
  }
}

async function pipelineCommand(run: CommandRun, pidText: string, options: { interval?: string }): Promise<void> {
  const pid = parsePid(pidText);
  const intervalMs = options.interval === undefined ? undefined : parseInterval(options.interval);
  const { tracePipeline } = await import("../../files/pipeline.js");
  const result = await tracePipeline(run.context, pid, { signal: run.io.signal, ...(intervalMs === undefined ? {} : { intervalMs }) });
  if (run.json) return run.printJson(result);
  const { renderPipeline } = await import("../render/files-progress.js");
  run.print(renderPipeline(result, run.width));
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
      .option("--pid <list>", "only these PIDs (comma-separated)")
      .option("--full", "read fdinfo (offset, flags) for pipes, sockets and anon inodes too, as fds PID does"),
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

  withCommonOptions(
    program
      .command("recover")
      .description("copy out a file a process holds open (typically deleted): recover PID FD -o OUT, or recover --deleted [PID] -o DIR")
      .argument("[pid]", "process ID, or PID@STARTTICKS to refuse if that process exited (even if its PID was reused)")
      .argument("[fd]", "file descriptor number")
      .option("-o, --output <path>", "where to write (a file; a directory with --deleted)")
      .option("--force", "overwrite an existing output file")
      .option(
        "--deleted",
        "recover every deleted regular file and memfd held open (by PID, or by any process) into the directory, created if missing",
      ),
  ).action(runAction(recoverCommand));

  withCommonOptions(
    program
      .command("progress")
      .description("files being read or written: pos/size, percent, rate and ETA from two samples")
      .argument("[pid]", "only this process (its idle files are shown too)")
      .option("--watch", "keep sampling and redraw (NDJSON with --json) until Ctrl-C")
      .option("--interval <ms>", "milliseconds between samples (default 500, 1000 with --watch)"),
  ).action(runAction(progressCommand));

  withCommonOptions(
    program
      .command("follow")
      .description("stream what a process writes to a file-backed fd (like tail -f); refuses pipes, sockets and terminals")
      .argument("<pid>", "process ID, or PID@STARTTICKS to refuse if that process exited (even if its PID was reused)")
      .argument("[fd]", "file descriptor (default 2, stderr)")
      .option("--from-start", "print the file from its beginning, not only what is written from now on"),
  ).action(runAction(followCommand));

  withCommonOptions(
    program
      .command("pipeline")
      .description("a shell pipeline's stages with byte rates, what each waits on, and the bottleneck")
      .argument("<pid>", "any process of the pipeline (or the shell that started it)")
      .option("--interval <ms>", "milliseconds between the two samples (default 1000)"),
  ).action(runAction(pipelineCommand));
}
