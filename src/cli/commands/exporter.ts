/** exporter: Prometheus /metrics over process groups (process-exporter's config format). */
import fs from "node:fs";
import v8 from "node:v8";
import vm from "node:vm";
import type { Command } from "commander";
import { InvalidArgument } from "../../errors.js";
import { parseInterval, parsePositiveInt } from "../args.js";
import type { CommandRun, RunAction } from "../command.js";

interface ExporterOptions {
  readonly listen?: string;
  readonly config?: string;
  readonly smaps?: boolean;
  readonly smapsBudget?: string;
  readonly perProcess?: string[];
  readonly maxSeries?: string;
  readonly maxGroups?: string;
}

async function exporter(run: CommandRun, options: ExporterOptions): Promise<void> {
  const { DEFAULT_CONFIG, parseExporterConfig } = await import("../../exporter/config.js");
  const { createExporter } = await import("../../exporter/scrape.js");
  const { DEFAULT_LISTEN, parseListenAddress, startExporterServer } = await import("../../exporter/server.js");
  const { openProcFs } = await import("../../access/proc-fs.js");
  const { createProcessContext } = await import("../../processes/context.js");
  // Everything that can be wrong with the input is found before the port is bound.
  const address = parseListenAddress(options.listen ?? DEFAULT_LISTEN);
  let config = DEFAULT_CONFIG;
  if (options.config !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(options.config, "utf8");
    } catch (error) {
      throw new InvalidArgument(
        `cannot read config "${options.config}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    config = parseExporterConfig(text, `config "${options.config}"`);
    for (const warning of config.warnings) run.warn(warning);
  }
  const maxSeries = options.maxSeries === undefined ? 1000 : parsePositiveInt(options.maxSeries, "--max-series");
  const maxGroups = options.maxGroups === undefined ? 1000 : parsePositiveInt(options.maxGroups, "--max-groups");
  const smapsBudgetMs = options.smapsBudget === undefined ? undefined : parseInterval(options.smapsBudget, "--smaps-budget");
  const exporter = createExporter(run.context, {
    config,
    smaps: options.smaps === true,
    ...(smapsBudgetMs === undefined ? {} : { smapsBudgetMs }),
    perProcessGroups: options.perProcess ?? [],
    maxSeries,
    maxGroups,
    // The exporter's own figures come from the live /proc, also when the groups come from --root.
    self: { context: run.procFs.isLive ? run.context : createProcessContext(openProcFs("/proc")), pid: process.pid },
  });
  const server = await startExporterServer(exporter, address, { afterScrape: majorCollection() });
  run.print(`procscope: metrics at ${server.url}\n`);
  // Metrics of only our own processes look like a quiet host: say why once, at start.
  const { hiddenListingNotice } = await import("../../access/denied.js");
  const hidden = hiddenListingNotice(run.procFs);
  if (hidden !== null) run.warn(`${hidden}: the metrics cover this user's processes only`);
  const signal = run.io.signal;
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await server.close();
}

/**
 * A scrape leaves a few MiB of garbage in the old generation, which V8 keeps until that has grown
 * to its next limit, and an exporter lives for months beside what it watches: it collects once
 * each answer is out, so between scrapes it holds what it needs. The marking runs on V8's helper
 * threads ("async"), not in the way of the next scrape. Most of the exporter's memory goal is met
 * by the small young generation (launch.cts); with 1000 extra processes (2026-12-03, 2 cores) this
 * collection took RSS from 60-66 to 60-65 MiB, for ~15 ms of CPU per scrape. `gc` exists only with
 * --expose-gc, and only in contexts made after the flag is set, hence the new context.
 */
function majorCollection(): () => void {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as (options: { type: string; execution: string }) => void;
  return () => gc({ type: "major", execution: "async" });
}

export function registerExporterCommands(program: Command, runAction: RunAction): void {
  program
    .command("exporter")
    .description("serve Prometheus metrics per process group at /metrics (process-exporter's config format)")
    .option("--listen <addr>", "HOST:PORT or :PORT to listen on (:0 picks a free port)", ":9640")
    .option("--config <file>", "process-exporter YAML config (process_names); default: every process grouped by comm")
    .option("--smaps", "read smaps_rollup for proportional memory (PSS), within a time budget per scrape")
    .option("--smaps-budget <ms>", "time budget per scrape for --smaps, in milliseconds (default 200)")
    .option("--per-process <group>", "also export per-process series for this group (repeatable)", (v: string, prev: string[] = []) => [
      ...prev,
      v,
    ])
    .option("--max-series <n>", "cap on per-process series (default 1000)")
    .option("--max-groups <n>", "cap on groups; processes of further groups are counted, not reported (default 1000)")
    .option("--root <dir>", "read this directory instead of /proc (a captured tree)")
    .action(runAction(exporter));
}
