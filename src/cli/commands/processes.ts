/** ps, tree, show: the process commands. */
import type { Command } from "commander";
import { PROCESS_SORT_KEYS } from "../../processes/sort.js";
import { parsePid, parsePidList } from "../args.js";
import { type CommandRun, type RunAction, withCommonOptions } from "../command.js";
import { UsageError } from "../exit.js";
import type { PsRow } from "../render/ps.js";
import type { TableBuilder } from "../render/table.js";

interface PsOptions {
  readonly sort?: string;
  readonly user?: string;
  readonly pid?: string;
  readonly kernel?: boolean;
}

async function ps(run: CommandRun, filter: string | undefined, options: PsOptions): Promise<void> {
  const sort = options.sort ?? "pid";
  const key = sort.replace(/^[-+]/, "");
  if (!PROCESS_SORT_KEYS.includes(key)) throw new UsageError(`--sort must be one of ${PROCESS_SORT_KEYS.join(", ")}, got "${sort}"`);
  const pids = options.pid === undefined ? undefined : parsePidList(options.pid);
  const { psRows } = await import("../../queries/processes.js");
  const { describeSkipped } = await import("../../model/reader.js");
  const context = run.context;
  // Looking for a command finds procscope's own command line too (it holds the word): leave it out.
  const own = filter !== undefined && run.procFs.isLive ? process.pid : null;
  const table = run.json ? null : await emptyPsTable(context);
  const listing = psRows(
    context,
    {
      sort,
      // The table never shows the executable, and its readlink is a tenth of the listing's time.
      exe: run.json,
      ...(pids ? { pids } : {}),
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(filter === undefined ? {} : { filter }),
      ...(options.kernel === false ? { kernel: false } : {}),
    },
    // The table's cells are made while the helper's threads still read the later processes.
    table === null
      ? undefined
      : (row) => {
          if (row.pid !== own) table.add(row);
        },
  );
  const skipped = describeSkipped(listing.skipped);
  if (table !== null) table.write((text) => run.print(text), { width: run.width });
  else run.printJsonArray(own === null ? listing.rows : listing.rows.filter((p) => p.pid !== own));
  if (skipped !== null) run.warn(skipped);
  if (pids) {
    const { reportMissingPids } = await import("../missing.js");
    reportMissingPids(run, pids, new Set(listing.listed));
  }
}

async function emptyPsTable(context: CommandRun["context"]): Promise<TableBuilder<PsRow>> {
  const { psTable } = await import("../render/ps.js");
  const { bootTime, uptimeSeconds } = context.system;
  // "Now" of the tree being read, so a captured tree prints the dates it had.
  return psTable(bootTime !== null && uptimeSeconds !== null ? new Date((bootTime + uptimeSeconds) * 1000) : new Date());
}

async function tree(run: CommandRun, pidText: string | undefined): Promise<void> {
  const rootPid = pidText === undefined ? undefined : parsePid(pidText);
  const { listProcesses, describeSkipped, readProcess } = await import("../../model/reader.js");
  const { PROCESS_SHAPE_FIELDS } = await import("../../processes/process.js");
  const { buildTree } = await import("../../processes/tree.js");
  const { ProcessGone } = await import("../../errors.js");
  // The root read alone first, so a hidden one says hidepid (exit 4) and a missing one "no such process".
  if (rootPid !== undefined) readProcess(run.context, rootPid, ["ppid"]);
  const listing = listProcesses(run.context, { fields: run.json ? PROCESS_SHAPE_FIELDS : PROCESS_SHAPE_FIELDS.filter((f) => f !== "exe") });
  const forest = buildTree(listing.processes, rootPid);
  if (rootPid !== undefined && forest.length === 0) throw new ProcessGone(rootPid);
  if (run.json) {
    type Node = (typeof forest)[number];
    const toJson = (node: Node): unknown => ({ ...node.process, children: node.children.map(toJson) });
    // Always the forest (an array), whether or not a PID picks one subtree.
    run.printJson(forest.map(toJson));
  } else {
    const { renderTree } = await import("../render/tree.js");
    run.print(
      renderTree(forest, {
        unicode:
          !/^(C|POSIX)?$/.test(run.io.env.LC_ALL ?? run.io.env.LC_CTYPE ?? run.io.env.LANG ?? "") || /UTF-?8/i.test(run.io.env.LANG ?? ""),
        width: run.width,
      }),
    );
  }
  const skipped = describeSkipped(listing.skipped);
  if (skipped !== null) run.warn(skipped);
}

export function registerProcessCommands(program: Command, runAction: RunAction): void {
  withCommonOptions(
    program
      .command("ps")
      .description("list all processes: pid, ppid, user, state, %cpu, rss, vsz, threads, start, time, command")
      .argument("[filter]", "only processes whose command line contains this text")
      .option("--sort <field>", `sort by ${PROCESS_SORT_KEYS.join("|")}; prefix - for descending`, "pid")
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
  // --json is always the whole ProcessDetails (`procscope schema show`); --field only makes the
  // listed fields required, and chooses what the text view shows.
  if (run.json) {
    run.printJson(details);
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
      .option(
        "--field <list>",
        "fail unless these fields can be read (comma-separated, e.g. environ,limits), and show only them; --json still prints the whole object",
      ),
  ).action(runAction(show));
}
