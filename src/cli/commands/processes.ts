/** ps, tree, show: the process commands. */
import type { Command } from "commander";
import { parsePid, parsePidList } from "../args.js";
import { type CommandRun, type RunAction, withCommonOptions } from "../command.js";
import { UsageError } from "../exit.js";

const SORT_KEYS = ["pid", "ppid", "user", "state", "cpu", "rss", "vsz", "threads", "start", "time", "comm", "command"] as const;

interface PsOptions {
  readonly sort?: string;
  readonly user?: string;
  readonly pid?: string;
  readonly kernel?: boolean;
}

async function ps(run: CommandRun, filter: string | undefined, options: PsOptions): Promise<void> {
  const sort = options.sort ?? "pid";
  const key = sort.replace(/^[-+]/, "");
  if (!(SORT_KEYS as readonly string[]).includes(key)) throw new UsageError(`--sort must be one of ${SORT_KEYS.join(", ")}, got "${sort}"`);
  const pids = options.pid === undefined ? undefined : parsePidList(options.pid);
  const { listProcesses } = await import("../../processes/list.js");
  const { commandText } = await import("../../processes/format.js");
  const context = run.context;
  let rows = listProcesses(context, {
    fields: { user: true, cmdline: true, exe: run.json },
    onSkip: (pid, error) => run.warn(`skipped process ${pid}: ${error.message}`),
    ...(pids ? { pids } : {}),
  });
  if (options.user !== undefined) {
    const wanted = options.user;
    rows = rows.filter((p) => p.user === wanted || String(p.uid) === wanted);
  }
  if (filter !== undefined) {
    const needle = filter.toLowerCase();
    rows = rows.filter(
      (p) => commandText(p).toLowerCase().includes(needle) || p.comm.toLowerCase().includes(needle) || String(p.pid) === filter,
    );
  }
  if (options.kernel === false) rows = rows.filter((p) => !p.kernelThread);
  const { sortProcesses } = await import("../../processes/sort.js");
  rows = sortProcesses(rows, sort);
  if (run.json) {
    run.printJson(rows);
    return;
  }
  const { renderPsTable } = await import("../render/ps.js");
  const { bootTime, uptimeSeconds } = context.system;
  // "Now" of the tree being read, so a captured tree prints the dates it had.
  const now = bootTime !== null && uptimeSeconds !== null ? new Date((bootTime + uptimeSeconds) * 1000) : new Date();
  run.print(renderPsTable(rows, now, run.width));
}

async function tree(run: CommandRun, pidText: string | undefined): Promise<void> {
  const rootPid = pidText === undefined ? undefined : parsePid(pidText);
  const { listProcesses } = await import("../../processes/list.js");
  const { buildTree } = await import("../../processes/tree.js");
  const { ProcessGone } = await import("../../errors.js");
  const processes = listProcesses(run.context, {
    fields: { user: true, cmdline: true, exe: run.json },
    onSkip: (pid, error) => run.warn(`skipped process ${pid}: ${error.message}`),
  });
  const forest = buildTree(processes, rootPid);
  if (rootPid !== undefined && forest.length === 0) throw new ProcessGone(rootPid);
  if (run.json) {
    const toJson = (node: (typeof forest)[number]): unknown => ({ ...node.process, children: node.children.map(toJson) });
    run.printJson(rootPid === undefined ? forest.map(toJson) : toJson(forest[0] as (typeof forest)[number]));
    return;
  }
  const { renderTree } = await import("../render/tree.js");
  run.print(
    renderTree(forest, {
      unicode:
        !/^(C|POSIX)?$/.test(run.io.env.LC_ALL ?? run.io.env.LC_CTYPE ?? run.io.env.LANG ?? "") || /UTF-?8/i.test(run.io.env.LANG ?? ""),
      width: run.width,
    }),
  );
}

export function registerProcessCommands(program: Command, runAction: RunAction): void {
  withCommonOptions(
    program
      .command("ps")
      .description("list all processes: pid, ppid, user, state, %cpu, rss, vsz, threads, start, time, command")
      .argument("[filter]", "only processes whose command line contains this text")
      .option("--sort <field>", `sort by ${SORT_KEYS.join("|")}; prefix - for descending`, "pid")
      .option("--user <name>", "only processes of this user (name or uid)")
      .option("--pid <list>", "only these PIDs (comma-separated)")
      .option("--no-kernel", "hide kernel threads"),
  ).action(runAction(ps));

  withCommonOptions(
    program.command("tree").description("show the process tree").argument("[pid]", "show only this process and its descendants"),
  ).action(runAction(tree));

  registerShowCommand(program, runAction);
}

interface ShowOptions {
  readonly field?: string;
}

async function show(run: CommandRun, pidText: string, options: ShowOptions): Promise<void> {
  const pid = parsePid(pidText);
  const require =
    options.field === undefined
      ? undefined
      : options.field
          .split(",")
          .map((f) => f.trim())
          .filter((f) => f !== "");
  const { getProcessDetails } = await import("../../processes/details.js");
  const details = getProcessDetails(run.context, pid, require ? { require } : {});
  if (run.json) {
    run.printJson(
      require ? Object.fromEntries([["pid", details.pid], ...require.map((f) => [f, details[f as keyof typeof details]])]) : details,
    );
    return;
  }
  const { renderDetails } = await import("../render/details.js");
  run.print(renderDetails(details, require));
}

function registerShowCommand(program: Command, runAction: RunAction): void {
  withCommonOptions(
    program
      .command("show")
      .description(
        "everything about one process: cmdline, exe, cwd, environ, limits, status, io, cgroups, namespaces, capabilities, oom score, container",
      )
      .argument("<pid>", "process ID")
      .option("--field <list>", "only these fields (comma-separated, e.g. environ,limits); fail if one cannot be read"),
  ).action(runAction(show));
}
