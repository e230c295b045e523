/** maps, read, dump, strings, search: the read-only memory commands. */
import os from "node:os";
import type { Command } from "commander";
import { plural } from "../../_plural.js";
import { parsePid, parsePositiveInt } from "../args.js";
import { type CommandRun, type RunAction, withCommonOptions } from "../command.js";
import { EXIT_GONE, UsageError } from "../exit.js";

const ENCODINGS = ["ascii", "utf16le", "all"] as const;

async function maps(run: CommandRun, pidText: string, options: { smaps?: boolean }): Promise<void> {
  const pid = parsePid(pidText);
  const render = await import("../render/memory.js");
  const { describeProblems, problemsOf } = await import("../../procfs/_lines.js");
  const file = `${pid}/${options.smaps ? "smaps" : "maps"}`;
  const warnSkipped = (problems: readonly import("../../procfs/_lines.js").LineProblem[]) => {
    if (problems.length > 0) run.warn(describeProblems(file, problems));
  };
  if (run.json) {
    const { mapsResult } = await import("../../queries/memory.js");
    const entries = mapsResult(run.procFs, pid, { smaps: options.smaps === true });
    warnSkipped(problemsOf(entries));
    run.printJsonArray(entries);
    return;
  }
  const { readProcessMaps, readSmaps } = await import("../../memory/maps.js");
  // --json is an array of MapsEntry either way: --smaps fills in each region's usage (null without it).
  if (options.smaps) {
    const { regions, totals, problems } = readSmaps(run.procFs, pid);
    warnSkipped(problems);
    run.print(render.renderSmapsTable(regions, totals, run.width));
    return;
  }
  const { regions, problems } = readProcessMaps(run.procFs, pid);
  warnSkipped(problems);
  run.print(render.renderMapsTable(regions, run.width));
}

async function read(run: CommandRun, pidText: string, addressText: string, lengthText: string, options: { raw?: boolean }): Promise<void> {
  const pid = parsePid(pidText);
  const { parseByteCount, resolveAddress } = await import("../../memory/regions.js");
  const { checkReadLength, openProcessMemory, readFrom } = await import("../../memory/reader.js");
  const length = parseByteCount(lengthText);
  checkReadLength(length);
  if (options.raw && run.json)
    throw new UsageError("--raw and --json cannot be combined: --raw writes the bytes themselves, --json a document");
  if (options.raw && run.io.isTTY) throw new UsageError("refusing to write raw bytes to a terminal: redirect --raw to a file or a pipe");
  const memory = openProcessMemory(run.procFs, pid);
  try {
    const address = resolveAddress(addressText, memory.regions, pid);
    const result = await readFrom(memory, address, length, run.io.signal);
    for (const hole of result.holes)
      run.warn(
        `0x${hole.address.toString(16)}+${hole.length} could not be read (${hole.reason}); shown as ${options.raw ? "zeros" : "??"}`,
      );
    if (options.raw) {
      if (run.io.stdoutBytes) run.io.stdoutBytes(result.bytes);
      else run.print(result.bytes.toString("latin1"));
      return;
    }
    if (run.json) {
      const { memoryReadJson } = await import("../../queries/memory.js");
      run.printJson(memoryReadJson(pid, address, length, result));
      return;
    }
    const { renderHexView } = await import("../render/memory.js");
    run.print(renderHexView(address, result.bytes, result.holes));
  } finally {
    memory.close();
  }
}

async function dump(run: CommandRun, pidText: string, options: { region?: string; output?: string }): Promise<void> {
  const pid = parsePid(pidText);
  if (options.output === undefined) throw new UsageError("dump needs -o DIR: the directory to write the region files into");
  const { parseRegionSelector } = await import("../../memory/regions.js");
  const selector = parseRegionSelector(options.region ?? "all");
  const { dumpRegions } = await import("../../memory/dump.js");
  const { humanBytes } = await import("../render/table.js");
  const { progressLine } = await import("../render/memory.js");
  let lastDraw = 0;
  const tty = run.io.isTTY && !run.json;
  const index = await dumpRegions(run.procFs, pid, selector, options.output, {
    signal: run.io.signal,
    ...(tty
      ? {
          onProgress: (done: number, total: number) => {
            const now = Date.now();
            if (now - lastDraw < 100 && done < total) return;
            lastDraw = now;
            run.io.stderr(progressLine(`dumping ${pid}`, done, total, run.io.columns));
          },
        }
      : {}),
  });
  if (tty) run.io.stderr("\n");
  if (index.exited) {
    // The dump is incomplete: a script must not take it for a whole one.
    run.exitCode = EXIT_GONE;
    if (run.json) run.printJson({ directory: options.output, ...index });
    run.warn(
      `dump of process ${pid} cut short: it exited during the dump; kept ${plural(index.regions.length, "region", "regions")} (${plural(index.totalBytes, "byte", "bytes")} written) in ${options.output}`,
    );
    return;
  }
  if (run.json) {
    run.printJson({ directory: options.output, ...index });
    return;
  }
  const holes = index.regions.reduce((sum, r) => sum + r.holes.length, 0);
  run.print(
    `dumped ${plural(index.regions.length, "region", "regions")} (${humanBytes(index.totalBytes)} read${holes > 0 ? `, ${plural(holes, "unreadable range")} left as zeros` : ""}) of process ${pid} into ${options.output} (index: ${options.output}/index.json)\n`,
  );
}

interface StringsCliOptions {
  readonly region?: string;
  readonly bytes?: string;
  readonly encoding?: string;
}

async function stringsCommand(run: CommandRun, pidText: string, options: StringsCliOptions): Promise<void> {
  const pid = parsePid(pidText);
  const minLength = options.bytes === undefined ? 4 : parsePositiveInt(options.bytes, "-n");
  const encoding = options.encoding ?? "ascii";
  if (!(ENCODINGS as readonly string[]).includes(encoding))
    throw new UsageError(`--encoding must be one of ${ENCODINGS.join(", ")}, got "${encoding}"`);
  const { parseRegionSelector, DEFAULT_SELECTOR } = await import("../../memory/regions.js");
  const region = options.region === undefined ? DEFAULT_SELECTOR : parseRegionSelector(options.region);
  const { openProcessMemory } = await import("../../memory/reader.js");
  const { scanStringBatches, newStringsStats } = await import("../../memory/strings.js");
  const { escapeControl } = await import("../../bytes.js");
  const { jsonReplacer } = await import("../render/json.js");
  const memory = openProcessMemory(run.procFs, pid);
  const fast = !run.json && encoding === "ascii" ? await import("../../memory/strings-fast.js") : undefined;
  if (fast?.asciiScanAvailable()) {
    try {
      const { selectRegions } = await import("../../memory/regions.js");
      const ranges = selectRegions(memory.regions, region, pid)
        .filter((s) => s.region.kind !== "vsyscall")
        .map((s) => ({ start: s.start, end: s.end, label: escapeControl(s.region.label) }));
      const jobs = fast.asciiJobs(ranges, minLength);
      // Worker threads are opt-in (PROCSCOPE_STRINGS_WORKERS=N, which this thread joins): with the
      // WebAssembly scan, one thread did 512 MiB in ~0.5 s on a 2-core machine, and one or two
      // workers were no faster (one: the same; two: 0.1 s slower, with a third more CPU time).
      const workerCount = Math.min(8, Number.parseInt(run.io.env.PROCSCOPE_STRINGS_WORKERS ?? "0", 10) || 0);
      const workerUrl = fast.stringsWorkerUrl();
      if (workerCount > 0 && !workerUrl) run.warn("PROCSCOPE_STRINGS_WORKERS is set, but the worker script is missing: using one thread");
      const stats = await fast.writeAsciiStrings(
        memory.mem.fd,
        jobs,
        (bytes) => (run.io.stdoutBytes ? run.io.stdoutBytes(bytes) : run.print(Buffer.from(bytes).toString("latin1"))),
        {
          workers: Math.min(workerCount, os.availableParallelism()),
          signal: run.io.signal,
          ...(workerUrl ? { workerUrl } : {}),
        },
      );
      if (stats.exited) run.warn(`process ${pid} exited during the scan: showing the ${stats.strings} strings found before it did`);
    } finally {
      memory.close();
    }
    return;
  }
  const stats = newStringsStats();
  const array = run.json ? run.jsonArrayWriter() : undefined;
  try {
    let labelOf: unknown = null;
    let label = "";
    let regionJson = "";
    for await (const batch of scanStringBatches(memory, {
      region,
      minLength,
      encoding: encoding as "ascii" | "utf16le" | "all",
      signal: run.io.signal,
      stats,
    })) {
      if (labelOf !== batch.region) {
        labelOf = batch.region;
        label = batch.region.label;
        if (array) regionJson = JSON.stringify(batch.region, jsonReplacer);
      }
      const base = Number(batch.base);
      const { offsets, texts, encodings } = batch;
      let out = "";
      if (array) {
        // StringRun, written by hand: the region's JSON is made once per region, not per string.
        const head = `{"pid":${pid},"startTimeTicks":${memory.startTimeTicks},"address":"0x`;
        for (let i = 0; i < texts.length; i++)
          array.pushJson(
            `${head}${(base + (offsets[i] as number)).toString(16)}","encoding":"${encodings[i]}","text":${JSON.stringify(texts[i])},"region":${regionJson}}`,
          );
        continue;
      } else {
        const safeLabel = escapeControl(label);
        const mark = encoding === "all";
        for (let i = 0; i < texts.length; i++) {
          const text = texts[i] as string;
          out += `${(base + (offsets[i] as number)).toString(16)} ${safeLabel}${mark && encodings[i] === "utf16le" ? " (utf16)" : ""} ${text.includes("\t") ? escapeControl(text) : text}\n`;
        }
      }
      run.print(out);
    }
    array?.end();
  } finally {
    memory.close();
  }
  if (stats.exited) run.warn(`process ${pid} exited during the scan: showing the ${stats.strings} strings found before it did`);
}

interface SearchCliOptions {
  readonly all?: boolean;
  readonly hex?: boolean;
  readonly regex?: boolean;
  readonly ignoreCase?: boolean;
  readonly utf16?: boolean;
  readonly region?: string;
  readonly max?: string;
}

async function searchCommand(run: CommandRun, first: string, second: string | undefined, options: SearchCliOptions): Promise<void> {
  let pid: number | undefined;
  let patternText: string;
  if (options.all) {
    if (second !== undefined) throw new UsageError("search --all takes only a PATTERN, not a PID");
    patternText = first;
  } else {
    if (second === undefined) throw new UsageError("search needs a PID and a PATTERN (or --all PATTERN)");
    pid = parsePid(first);
    patternText = second;
  }
  const max = options.max === undefined ? undefined : parsePositiveInt(options.max, "--max");
  const { compilePattern, newSearchStats, search, searchAll } = await import("../../memory/search.js");
  const { parseRegionSelector } = await import("../../memory/regions.js");
  const pattern = compilePattern({
    pattern: patternText,
    hex: options.hex === true,
    regex: options.regex === true,
    ignoreCase: options.ignoreCase === true,
    utf16: options.utf16 === true,
  });
  const region = options.region === undefined ? undefined : parseRegionSelector(options.region);
  const stats = newSearchStats();
  const searchOptions = { stats, signal: run.io.signal, ...(region ? { region } : {}), ...(max ? { max } : {}) };
  const matches = pid === undefined ? searchAll(run.procFs, pattern, searchOptions) : search(run.procFs, pid, pattern, searchOptions);
  const { escapeControl } = await import("../../bytes.js");
  const { humanBytes } = await import("../render/table.js");
  const tty = run.io.isTTY && !run.json;
  // On a terminal, a status line on stderr while the scan runs (reads yield to the event loop).
  const progress = tty
    ? setInterval(() => {
        const where = pid === undefined ? `${plural(stats.processes, "process", "processes")}, ` : "";
        run.io.stderr(`\r\x1b[Ksearching: ${where}${humanBytes(stats.bytes)}, ${plural(stats.matches, "match", "matches")}`);
      }, 200)
    : undefined;
  const array = run.json ? run.jsonArrayWriter() : undefined;
  try {
    for await (const match of matches) {
      if (array) {
        array.push(match);
        continue;
      }
      if (tty) run.io.stderr("\r\x1b[K");
      run.print(
        `${String(match.pid).padStart(7)} ${match.address.toString(16).padStart(12)} ${escapeControl(match.region.label)}+0x${match.offsetBytes.toString(16)}  ${match.preview}\n`,
      );
    }
    array?.end();
  } finally {
    if (progress) clearInterval(progress);
    if (tty) run.io.stderr("\r\x1b[K");
  }
  const scope = pid === undefined ? plural(stats.processes, "process", "processes") : `process ${pid}`;
  let summary = `${plural(stats.matches, "match", "matches")} for ${pattern.description} in ${plural(stats.regions, "region", "regions")} (${humanBytes(stats.bytes)}) of ${scope}`;
  if (stats.matches === max) summary += ` (stopped at --max ${max})`;
  if (stats.holes > 0) summary += `; ${stats.holes} unreadable ranges skipped`;
  if (pid === undefined && stats.denied > 0)
    summary += `; ${plural(stats.denied, "process", "processes")} could not be read (${stats.deniedReason})`;
  if (pid !== undefined && stats.exited.includes(pid))
    summary += `; process ${pid} exited during the scan: these are the matches found before it did`;
  else if (pid === undefined && stats.exited.length > 0)
    summary += `; ${plural(stats.exited.length, "process", "processes")} exited before or during their scan`;
  if (pid === undefined) {
    // Under hidepid=2 the others are not even counted: "0 processes" must not read as all of them.
    const { hiddenListingNotice } = await import("../../access/denied.js");
    const hidden = hiddenListingNotice(run.procFs);
    if (hidden !== null) summary += `; ${hidden}`;
  }
  run.warn(summary);
}

export function registerMemoryCommands(program: Command, runAction: RunAction): void {
  withCommonOptions(
    program
      .command("maps")
      .description("memory regions of a process: start, end, perms, offset, dev, inode, kind (heap, stack, file:text…), path")
      .argument("<pid>", "process ID")
      .option("--smaps", "add rss, pss, shared/private clean/dirty and swap per region, with totals (like pmap -X)"),
  ).action(runAction(maps));

  withCommonOptions(
    program
      .command("read")
      .description("show LEN bytes of a process's memory at ADDR as hex (like xxd)")
      .argument("<pid>", "process ID")
      .argument("<addr>", "hex address (0x7ffd…) or REGION[+-OFFSET], e.g. heap+0x10, libc+4096")
      .argument("<len>", "number of bytes: 64, 0x40, 4k (at most 256M)")
      .option("--raw", "write the bytes themselves to stdout"),
  ).action(runAction(read));

  withCommonOptions(
    program
      .command("dump")
      .description("copy regions of a process's memory into files, one per region, with index.json")
      .argument("<pid>", "process ID")
      .option("--region <sel>", "heap, stack, anon, rw, all, a path substring, 0xSTART-0xEND (comma-separated)", "all")
      .option("-o, --output <dir>", "new (or empty) directory to write into"),
  ).action(runAction(dump));

  withCommonOptions(
    program
      .command("strings")
      .description("printable text in a process's memory, with addresses (default: writable private regions)")
      .argument("<pid>", "process ID")
      .option("--region <sel>", "heap, stack, anon, rw, all, a path substring, 0xSTART-0xEND (comma-separated)")
      .option("-n, --bytes <min>", "shortest string shown (default 4)")
      .option("--encoding <enc>", `${ENCODINGS.join("|")} (default ascii)`),
  ).action(runAction(stringsCommand));

  withCommonOptions(
    program
      .command("search")
      .description("find text, bytes or a regex in a process's memory (or every process's with --all)")
      .argument("<pid|pattern>", "process ID (or the PATTERN with --all)")
      .argument("[pattern]", "what to look for")
      .option("--all", "search every process this user may read")
      .option("--hex", 'the pattern is hex bytes: "de ad be ef"')
      .option("--regex", "the pattern is a regular expression (over bytes)")
      .option("-i, --ignore-case", "ASCII letters match either case")
      .option("--utf16", "look for the text encoded as UTF-16LE")
      .option("--region <sel>", "heap, stack, anon, rw, all, a path substring, 0xSTART-0xEND (default: writable private regions)")
      .option("--max <n>", "stop after N matches"),
  ).action(runAction(searchCommand));
}
