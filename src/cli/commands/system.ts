/** sys: the machine overview, or one system file parsed. */
import type { Command } from "commander";
import { plural } from "../../_plural.js";
import { type CommandRun, type RunAction, withCommonOptions } from "../command.js";

async function sys(run: CommandRun, name: string | undefined): Promise<void> {
  const { readSystemFile, readSystemOverview } = await import("../../system/overview.js");
  if (name !== undefined) {
    const value = readSystemFile(run.procFs, name);
    const { describeProblems, problemsOf } = await import("../../procfs/_lines.js");
    const skipped = problemsOf(value);
    if (skipped.length > 0) run.warn(describeProblems(name, skipped));
    if (run.json) run.printJson(value);
    else {
      const { renderValue } = await import("../render/value.js");
      run.print(renderValue(value));
    }
    return;
  }
  const overview = readSystemOverview(run.procFs);
  if (run.json) {
    run.printJson(overview);
    return;
  }
  const { humanBytes, renderFields } = await import("../render/table.js");
  const m = overview.memory;
  const l = overview.load;
  const reason = (key: string) => (overview.errors[key] ? `- (${overview.errors[key]})` : "-");
  run.print(
    renderFields([
      ["host", overview.hostname ?? reason("hostname")],
      ["kernel", overview.kernel ?? reason("kernel")],
      ["booted", overview.bootTime ?? reason("bootTime")],
      ["uptime", overview.uptimeSeconds === null ? reason("uptimeSeconds") : `${formatDuration(overview.uptimeSeconds)}`],
      ["load", l ? `${l.load1} ${l.load5} ${l.load15} (${l.running} running of ${plural(l.threads, "thread")})` : reason("load")],
      ["cpus", overview.cpus ? `${overview.cpus.count} × ${overview.cpus.model ?? "unknown model"}` : reason("cpus")],
      [
        "memory",
        m
          ? `${humanBytes(m.usedBytes)} used, ${humanBytes(m.availableBytes)} available of ${humanBytes(m.totalBytes)} (buffers ${humanBytes(m.buffersBytes)}, cache ${humanBytes(m.cachedBytes)})`
          : reason("memory"),
      ],
      [
        "swap",
        m
          ? m.swapTotalBytes
            ? `${humanBytes((m.swapTotalBytes ?? 0) - (m.swapFreeBytes ?? 0))} used of ${humanBytes(m.swapTotalBytes)}`
            : "none"
          : reason("memory"),
      ],
      ["processes", overview.processes],
    ]),
  );
}

function formatDuration(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return `${days > 0 ? `${days}d ` : ""}${hours}h ${String(minutes).padStart(2, "0")}m`;
}

export function registerSystemCommands(program: Command, runAction: RunAction): void {
  withCommonOptions(
    program
      .command("sys")
      .description("system overview (uptime, load, memory, CPUs, kernel), or one system file parsed")
      .argument(
        "[name]",
        "meminfo, cpuinfo, loadavg, uptime, stat, vmstat, zoneinfo, devices, dma, version, filesystems, partitions, diskstats, mounts, swaps",
      ),
  ).action(runAction(sys));
}
