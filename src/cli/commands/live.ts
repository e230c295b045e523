/** top (interactive, or --once) and watch: the live views. */
import type { Command } from "commander";
import { parseInterval, parsePositiveInt } from "../args.js";
import { type CommandRun, type RunAction, withCommonOptions } from "../command.js";
import { UsageError } from "../exit.js";

interface TopOptions {
  readonly once?: boolean;
  readonly interval?: string;
  readonly sort?: string;
  readonly limit?: string;
  readonly filter?: string;
  readonly tree?: boolean;
}

interface WatchOptions {
  readonly interval?: string;
  readonly exits?: boolean;
}

async function top(run: CommandRun, options: TopOptions): Promise<void> {
  const intervalMs = parseInterval(options.interval ?? "1000");
  const { LIVE_SORT_KEYS } = await import("../../live/sort.js");
  const sort = options.sort ?? "cpu";
  if (!LIVE_SORT_KEYS.includes(sort.replace(/^[-+]/, "")))
    throw new UsageError(`--sort must be one of ${LIVE_SORT_KEYS.join(", ")}, got "${sort}"`);
  const limit = options.limit === undefined ? undefined : parsePositiveInt(options.limit, "--limit");
  if (!options.once) {
    if (run.json) throw new UsageError("--json needs --once: the interactive view draws a screen (try `procscope top --once --json`)");
    if (!run.io.isTTY)
      throw new UsageError(
        "top needs a terminal, and stdout is not one: use `procscope top --once` (add --json for machine-readable output)",
      );
    const { runTopTui } = await import("../tui/top.js");
    await runTopTui(run.context, { intervalMs, sort, filter: options.filter ?? "", tree: options.tree === true, env: run.io.env });
    return;
  }
  const { sampleOnce } = await import("../../live/sampler.js");
  const { topResult } = await import("../../queries/live.js");
  const snapshot = await sampleOnce(run.context, intervalMs, {
    io: true,
    signal: run.io.signal,
  });
  const found = topResult(snapshot, {
    sort,
    ...(options.filter === undefined ? {} : { filter: options.filter }),
    ...(limit === undefined ? {} : { limit }),
  });
  // A filter matches procscope's own command line (it holds the word): leave it out.
  const result =
    options.filter !== undefined && run.procFs.isLive
      ? { ...found, processes: found.processes.filter((p) => p.pid !== process.pid) }
      : found;
  if (run.json) run.printJson(result);
  else {
    const { renderTopOnce } = await import("../render/live.js");
    run.print(renderTopOnce(snapshot, result.processes, run.width));
  }
  const { describeSkipped } = await import("../../model/reader.js");
  const skipped = describeSkipped(snapshot.skipped);
  if (skipped !== null) run.warn(skipped);
}

async function watch(run: CommandRun, options: WatchOptions): Promise<void> {
  const { DEFAULT_WATCH_INTERVAL_MS, watchProcesses } = await import("../../live/watch.js");
  const { commandText } = await import("../../processes/format.js");
  const intervalMs = parseInterval(options.interval ?? String(DEFAULT_WATCH_INTERVAL_MS));
  const { escapeControl } = await import("../../bytes.js");
  const context = run.context;
  // A stream has no end to say it at: what this user cannot see is said first.
  const { hidepidLimitsView } = await import("../../access/denied.js");
  const limited = hidepidLimitsView(run.procFs);
  if (limited !== null) run.warn(`${limited}, so their starts${options.exits === true ? " and exits" : ""} are not reported`);
  if (!run.json)
    run.print(`${"TIME".padEnd(12)} ${"EVENT".padEnd(5)} ${"PID".padStart(7)} ${"PPID".padStart(7)} ${"USER".padEnd(10)} COMMAND\n`);
  for await (const event of watchProcesses(context, { intervalMs, exits: options.exits === true, signal: run.io.signal })) {
    if (run.json) {
      run.printJsonLine(event);
      continue;
    }
    const time = new Date(event.time);
    const clock = `${String(time.getHours()).padStart(2, "0")}:${String(time.getMinutes()).padStart(2, "0")}:${String(time.getSeconds()).padStart(2, "0")}.${String(time.getMilliseconds()).padStart(3, "0")}`;
    const p = event.process;
    const command = commandText(p);
    const line = `${clock.padEnd(12)} ${event.event.padEnd(5)} ${String(p.pid).padStart(7)} ${String(p.ppid).padStart(7)} ${escapeControl(p.user ?? "-").padEnd(10)} ${escapeControl(command)}`;
    const width = run.width;
    run.print(`${width !== undefined && line.length > width ? line.slice(0, width) : line}\n`);
  }
}

export function registerLiveCommands(program: Command, runAction: RunAction): void {
  withCommonOptions(
    program
      .command("top")
      .description("live view of processes (htop-like); --once prints one sampled snapshot")
      .option("--once", "sample once over --interval, print, and exit (use with --json for a JSON document)")
      .option("--interval <ms>", "sampling interval (and refresh period) in milliseconds", "1000")
      .option("--sort <field>", "sort by cpu|mem|pid|user|time|command|...; prefix - or + to force the direction", "cpu")
      .option("--filter <text>", "only processes whose command, name, user or PID matches")
      .option("--limit <n>", "with --once: at most this many processes")
      .option("--tree", "start in tree view (interactive)"),
  ).action(runAction(top));

  withCommonOptions(
    program
      .command("watch")
      .description("report processes as they start (and, with --exits, when they end), by polling /proc")
      .option("--exits", "also report processes that exit")
      .option("--interval <ms>", "poll period in milliseconds; shorter catches shorter-lived processes and costs more CPU", "100"),
  ).action(runAction(watch));
}
