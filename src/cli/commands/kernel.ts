/** threads, stack, blocked, ksym, sysctl: the threads and kernel commands. */
import type { Command } from "commander";
import type { AddressHit } from "../../kernel/kallsyms.js";
import { parsePid } from "../args.js";
import { type CommandRun, type RunAction, withCommonOptions } from "../command.js";
import { UsageError } from "../exit.js";

async function threadContext(run: CommandRun) {
  const { readSystemInfo } = await import("../../access/system-info.js");
  return { procFs: run.procFs, system: readSystemInfo(run.procFs) };
}

async function threads(run: CommandRun, pidText: string): Promise<void> {
  const pid = parsePid(pidText);
  const { listThreads } = await import("../../threads/threads.js");
  const list = listThreads(await threadContext(run), pid);
  if (run.json) return run.printJson(list);
  const { renderThreadsTable } = await import("../render/kernel.js");
  run.print(renderThreadsTable(list, run.width));
}

interface StackOptions {
  readonly tid?: string;
  readonly group?: boolean;
}

async function stack(run: CommandRun, pidText: string, options: StackOptions): Promise<void> {
  const pid = parsePid(pidText);
  const tid = options.tid === undefined ? undefined : parsePid(options.tid, "--tid");
  const { stackResult } = await import("../../queries/kernel.js");
  const result = stackResult(await threadContext(run), pid, { ...(tid === undefined ? {} : { tid }), group: options.group !== false });
  if (run.json) return run.printJson(result);
  const { renderStackGroups } = await import("../render/kernel.js");
  run.print(renderStackGroups(result.threads, result.groups));
}

async function blocked(run: CommandRun): Promise<void> {
  const { listBlocked } = await import("../../threads/blocked.js");
  const { SkippedTally, describeSkipped } = await import("../../model/reader.js");
  const tally = new SkippedTally();
  const tasks = listBlocked(await threadContext(run), { signal: run.io.signal, onSkipped: (pid, error) => tally.add(pid, error) });
  if (run.json) run.printJson(tasks);
  else {
    const { renderBlocked } = await import("../render/kernel.js");
    run.print(renderBlocked(tasks));
  }
  // "No task is blocked" may only mean none of those that could be looked at.
  const skipped = describeSkipped(tally.skipped(run.procFs));
  if (skipped !== null) run.warn(skipped);
}

async function ksym(run: CommandRun, query: string): Promise<void> {
  const { loadKallsyms, parseKsymQuery } = await import("../../kernel/kallsyms.js");
  const { InvalidArgument } = await import("../../errors.js");
  let parsed: ReturnType<typeof parseKsymQuery>;
  try {
    parsed = parseKsymQuery(query);
  } catch (error) {
    if (error instanceof InvalidArgument) throw new UsageError(error.message);
    throw error;
  }
  const index = loadKallsyms(run.procFs);
  if (index.problems.length > 0 || index.moduleProblems.length > 0) {
    const { describeProblems } = await import("../../procfs/_lines.js");
    if (index.problems.length > 0) run.warn(describeProblems("kallsyms", index.problems));
    if (index.moduleProblems.length > 0) run.warn(describeProblems("modules", index.moduleProblems));
  }
  const render = await import("../render/kernel.js");
  // --json is an array of SymbolHit whatever the query: one hit for an address, one per symbol of
  // that name (at its start, or at name+OFFSET).
  if (parsed.kind === "address") {
    const hit = index.lookupAddress(parsed.address);
    if (run.json) return run.printJson([hit]);
    return run.print(render.renderAddressHit(hit));
  }
  const symbols = index.lookupName(parsed.name);
  if (parsed.offset !== null || run.json) {
    const offset = BigInt(parsed.offset ?? 0);
    const hits = symbols.map((s): AddressHit => {
      const hit = index.lookupAddress(s.address + offset);
      if (offset !== 0n || hit.symbol.name === s.name) return hit;
      // Another name at the same address was found first: the hit is for the name asked.
      return { ...hit, symbol: s, aliases: [hit.symbol.name, ...hit.aliases.filter((a) => a !== s.name)] };
    });
    if (run.json) return run.printJson(hits);
    return run.print(hits.map(render.renderAddressHit).join(""));
  }
  run.print(render.renderSymbols(symbols));
}

interface SysctlOptions {
  readonly yes?: boolean;
}

async function sysctl(run: CommandRun, name: string | undefined, value: string | undefined, options: SysctlOptions): Promise<void> {
  if (value === undefined && options.yes) throw new UsageError("--yes needs a NAME and a VALUE to write");
  const { listSysctl, writeSysctl } = await import("../../kernel/sysctl.js");
  const render = await import("../render/kernel.js");
  if (value === undefined) {
    const entries = listSysctl(run.procFs, name === undefined ? {} : { pattern: name });
    if (entries.length === 0 && name !== undefined) {
      const { NotFound } = await import("../../errors.js");
      throw new NotFound(`no sysctl key matches "${name}"`);
    }
    if (run.json) return run.printJson(entries);
    // Like sysctl -a, a listing is quiet about keys without a value (stable_secret: EIO until set);
    // asking for one such key by name is an error.
    const only = entries.length === 1 ? entries[0] : undefined;
    if (only && only.value === null) {
      const { Unavailable } = await import("../../errors.js");
      throw new Unavailable(`cannot read "${only.name}": ${only.errors.value ?? "unknown reason"}`);
    }
    return run.print(render.renderSysctl(entries));
  }
  const change = writeSysctl(run.procFs, name as string, value, { apply: options.yes === true });
  if (change.written && !change.verified) {
    const { Conflict } = await import("../../errors.js");
    if (run.json) run.printJson(change);
    else run.print(render.renderSysctlChange(change));
    throw new Conflict(`"${change.name}" reads back ${JSON.stringify(change.new)} after writing ${JSON.stringify(change.requested)}`);
  }
  if (run.json) return run.printJson(change);
  run.print(render.renderSysctlChange(change));
}

export function registerKernelCommands(program: Command, runAction: RunAction): void {
  withCommonOptions(
    program
      .command("threads")
      .description("list the threads of a process: state, CPU time, last CPU, wchan, context switches, current syscall")
      .argument("<pid>", "process ID"),
  ).action(runAction(threads));

  withCommonOptions(
    program
      .command("stack")
      .description("kernel stacks of a process's threads (root only), identical stacks grouped, with the syscall each is in")
      .argument("<pid>", "process ID")
      .option("--tid <tid>", "only this thread")
      .option("--no-group", "one block per thread, even when stacks are identical"),
  ).action(runAction(stack));

  withCommonOptions(
    program.command("blocked").description("tasks in uninterruptible sleep (state D): for how long, wchan, syscall and kernel stack"),
  ).action(runAction(blocked));

  withCommonOptions(
    program
      .command("ksym")
      .description("look up /proc/kallsyms: an address to its symbol+offset, a name (or name+0xOFF) to its address")
      .argument("<query>", "0xADDRESS, NAME or NAME+0xOFFSET"),
  ).action(runAction(ksym));

  withCommonOptions(
    program
      .command("sysctl")
      .description("list kernel tunables under /proc/sys, or preview and (with --yes) write one")
      .argument("[name]", "a key (vm.swappiness), a group (net.ipv4), a glob (*.rp_filter) or text in the name")
      .argument("[value]", "new value: previewed, written only with --yes")
      .option("--yes", "write the value, then read it back to verify"),
  ).action(runAction(sysctl));
}
