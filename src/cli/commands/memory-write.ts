/** replace, write, undo, history: changing a live process's memory safely, and reading a shell's history. */
import type { Command } from "commander";
import { plural } from "../../_plural.js";
import { parsePid, parsePidRef, parsePositiveInt } from "../args.js";
import { type CommandRun, type RunAction, withCommonOptions } from "../command.js";
import { UsageError } from "../exit.js";

interface SafetyOptions {
  readonly yes?: boolean;
  readonly journal?: string;
  readonly stop?: boolean;
  readonly force?: boolean;
  readonly allowShared?: boolean;
}

interface ReplaceCliOptions extends SafetyOptions {
  readonly region?: string;
  readonly allowLonger?: boolean;
  readonly pad?: boolean;
  readonly max?: string;
  readonly hex?: boolean;
}

interface WriteCliOptions extends SafetyOptions {
  readonly text?: string;
  readonly hex?: string;
}

/** parseHexBytes("de ad be ef") → 4 bytes; also "deadbeef", "0xdeadbeef", "de:ad". */
export function parseHexBytes(text: string, option = "--hex"): Buffer {
  const digits = text
    .trim()
    .replace(/^0x/i, "")
    .replace(/[\s:]+/g, "");
  if (digits === "" || !/^[0-9a-f]+$/i.test(digits) || digits.length % 2 !== 0)
    throw new UsageError(`${option} must be pairs of hex digits such as "de ad be ef", got "${text}"`);
  return Buffer.from(digits, "hex");
}

async function safetyOptions(run: CommandRun, options: SafetyOptions) {
  const { defaultJournalPath } = await import("../../memory/journal.js");
  const env = run.io.env;
  return {
    apply: options.yes === true,
    stop: options.stop !== false,
    force: options.force === true,
    allowShared: options.allowShared === true,
    journal: options.journal ?? ((pid: number, start: number) => defaultJournalPath(env, pid, start)),
    signal: run.io.signal,
  };
}

async function printWriteResult(run: CommandRun, result: import("../../memory/write.js").WriteResult): Promise<void> {
  const render = await import("../render/memory-write.js");
  if (run.json) run.printJson(render.writeResultJson(result));
  else run.print(render.renderWriteResult(result, { width: run.width }));
  const skipped = result.writes.filter((w) => w.status === "skipped").length;
  if (skipped > 0) {
    run.warn(
      `${skipped} of ${plural(result.writes.length, "place")} ${skipped === 1 ? "was" : "were"} not written: memory changed since the search`,
    );
    run.exitCode = 1;
  }
}

async function replaceCommand(
  run: CommandRun,
  pidText: string,
  oldText: string,
  newText: string,
  options: ReplaceCliOptions,
): Promise<void> {
  const { pid, startTimeTicks } = parsePidRef(pidText);
  const oldBytes = options.hex ? parseHexBytes(oldText, "OLD") : Buffer.from(oldText, "utf8");
  const newBytes = options.hex ? parseHexBytes(newText, "NEW") : Buffer.from(newText, "utf8");
  if (oldBytes.length === 0) throw new UsageError("OLD is empty: say what text to replace");
  const max = options.max === undefined ? undefined : parsePositiveInt(options.max, "--max");
  const { parseRegionSelector } = await import("../../memory/regions.js");
  const region = options.region === undefined ? undefined : parseRegionSelector(options.region);
  const { replace } = await import("../../memory/write.js");
  const result = await replace(run.procFs, pid, oldBytes, newBytes, {
    ...(await safetyOptions(run, options)),
    allowLonger: options.allowLonger === true,
    pad: options.pad === true,
    ...(region ? { region } : {}),
    ...(max === undefined ? {} : { max }),
    ...(startTimeTicks === null ? {} : { startTimeTicks }),
  });
  await printWriteResult(run, result);
}

async function writeCommand(run: CommandRun, pidText: string, addressText: string, options: WriteCliOptions): Promise<void> {
  const { pid, startTimeTicks } = parsePidRef(pidText);
  if ((options.text === undefined) === (options.hex === undefined)) throw new UsageError("give exactly one of --text S or --hex H");
  const bytes = options.text !== undefined ? Buffer.from(options.text, "utf8") : parseHexBytes(options.hex as string);
  if (bytes.length === 0) throw new UsageError("--text is empty: nothing to write");
  const { parseHexAddress, resolveAddress } = await import("../../memory/regions.js");
  let address: bigint;
  if (/^(0x)?[0-9a-f]+$/i.test(addressText.trim())) address = parseHexAddress(addressText);
  else {
    const { readMaps } = await import("../../memory/maps.js");
    address = resolveAddress(addressText, readMaps(run.procFs, pid), pid);
  }
  const { writeMemory } = await import("../../memory/write.js");
  const result = await writeMemory(run.procFs, pid, address, bytes, {
    ...(await safetyOptions(run, options)),
    ...(startTimeTicks === null ? {} : { startTimeTicks }),
  });
  await printWriteResult(run, result);
}

async function undoCommand(run: CommandRun, journal: string, options: { force?: boolean; stop?: boolean }): Promise<void> {
  const { undo } = await import("../../memory/write.js");
  const result = await undo(run.procFs, journal, { force: options.force === true, stop: options.stop !== false, signal: run.io.signal });
  const render = await import("../render/memory-write.js");
  if (run.json) run.printJson(render.undoResultJson(result));
  else run.print(render.renderUndoResult(result, { width: run.width }));
  if (result.conflicts > 0) {
    run.warn(
      `refused ${result.conflicts} of ${plural(result.entries.length, "entry", "entries")}: memory does not hold what was written (see WHY); --force restores them anyway`,
    );
    run.exitCode = 1;
  }
}

async function historyCommand(run: CommandRun, pidText: string | undefined, options: { allShells?: boolean }): Promise<void> {
  if (options.allShells && pidText !== undefined) throw new UsageError("give a PID or --all-shells, not both");
  if (!options.allShells && pidText === undefined) throw new UsageError("give a PID or --all-shells");
  const render = await import("../render/memory-write.js");
  const history = await import("../../memory/history.js");
  if (pidText !== undefined) {
    const result = await history.readShellHistory(run.procFs, parsePid(pidText), { signal: run.io.signal });
    // An array either way: one element for a PID, one per shell with --all-shells.
    if (run.json) run.printJson([render.historyJson(result)]);
    else run.print(render.renderHistory(result, { width: run.width }));
    return;
  }
  const results: ReturnType<typeof render.historyJson>[] = [];
  const empty: string[] = [];
  let shown = 0;
  for await (const item of history.readAllShellHistories(run.procFs, run.io.signal)) {
    if (run.json) {
      results.push(render.historyJson(item));
      continue;
    }
    if ("error" in item) {
      run.print(render.renderHistoryFailure(item));
      continue;
    }
    if (item.entries.length === 0) {
      empty.push(`${item.pid} (${item.shell}${item.supported ? "" : ", not supported"})`);
      continue;
    }
    if (shown++ > 0) run.print("\n");
    run.print(render.renderHistory(item, { width: run.width }));
  }
  if (run.json) run.printJson(results);
  else if (shown === 0 && empty.length === 0) run.print("no bash, sh or zsh processes\n");
  else if (empty.length > 0) run.print(`${shown > 0 ? "\n" : ""}no history in memory: ${empty.join(", ")}\n`);
}

function safety(command: Command): Command {
  return command
    .option("--yes", "really write (without it: a preview that changes nothing)")
    .option("--journal <path>", "journal of the old bytes for undo (default ~/.local/state/procscope/journal-PID-STARTTIME.jsonl)")
    .option("--no-stop", "do not freeze the process (SIGSTOP/SIGCONT) during the write")
    .option("--force", "allow writing non-writable mappings: the kernel lets /proc/PID/mem write read-only pages and code")
    .option("--allow-shared", "allow writing shared mappings (changes the file on disk and every process mapping it)");
}

export function registerMemoryWriteCommands(program: Command, runAction: RunAction): void {
  withCommonOptions(
    safety(
      program
        .command("replace")
        .description(
          "replace text in a live process's memory: preview without --yes; with --yes freeze, write, verify, journal the old bytes for undo",
        )
        .argument("<pid>", "process ID, or PID@STARTTICKS to refuse if that process exited (even if its PID was reused)")
        .argument("<old>", "text to find")
        .argument("<new>", "text to put in its place (not longer than OLD unless --allow-longer)")
        .option(
          "--region <sel>",
          "where to look: heap, stack, anon, rw, all, a path substring, 0xSTART-0xEND (default: writable private regions)",
        )
        .option("--allow-longer", "allow NEW longer than OLD (overwrites the bytes after OLD)")
        .option("--pad", "fill a shorter NEW with NUL bytes up to OLD's length")
        .option("--max <n>", "replace at most N occurrences (the lowest addresses)")
        .option("--hex", 'OLD and NEW are hex bytes ("de ad be ef") rather than text'),
    ),
  ).action(runAction(replaceCommand));

  withCommonOptions(
    safety(
      program
        .command("write")
        .description("write bytes at an address of a live process: preview without --yes; with --yes freeze, write, verify, journal")
        .argument("<pid>", "process ID, or PID@STARTTICKS to refuse if that process exited (even if its PID was reused)")
        .argument("<addr>", "hex address or region expression (heap+0x10)")
        .option("--text <s>", "the bytes to write, as UTF-8 text")
        .option("--hex <h>", 'the bytes to write, as hex ("de ad be ef")'),
    ),
  ).action(runAction(writeCommand));

  withCommonOptions(
    program
      .command("undo")
      .description("put back what a journal recorded, only where memory still holds what was written (compare-and-swap)")
      .argument("<journal>", "journal file printed by replace/write")
      .option("--force", "restore entries even where memory changed since the write")
      .option("--no-stop", "do not freeze the process during the restore"),
  ).action(runAction(undoCommand));

  withCommonOptions(
    program
      .command("history")
      .description("shell commands still in a live bash or zsh process's memory, oldest first")
      .argument("[pid]", "the bash or zsh process")
      .option("--all-shells", "every bash, sh and zsh process"),
  ).action(runAction(historyCommand));
}
