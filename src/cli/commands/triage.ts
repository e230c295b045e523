/** triage: audit (security findings), capture (a snapshot --root reads back), diff. */
import type { Command } from "commander";
import { plural } from "../../_plural.js";
import { parsePid } from "../args.js";
import { type CommandRun, type RunAction, withCommonOptions } from "../command.js";
import { UsageError } from "../exit.js";
import { VERSION } from "../main.js";

/** Exit code of `audit --fail-on` when a finding is at or above the threshold. */
export const EXIT_FINDINGS = 5;

interface AuditOptions {
  readonly rules?: string;
  readonly minSeverity?: string;
  readonly failOn?: string;
  readonly memory?: boolean;
}

async function auditCommand(run: CommandRun, pidTexts: string[], options: AuditOptions): Promise<void> {
  const { SEVERITIES, isSeverity } = await import("../../model/severity.js");
  const severity = (text: string | undefined, option: string) => {
    if (text === undefined) return undefined;
    if (!isSeverity(text)) throw new UsageError(`${option} must be one of ${SEVERITIES.join(", ")}, got "${text}"`);
    return text;
  };
  const minSeverity = severity(options.minSeverity, "--min-severity");
  const failOn = severity(options.failOn, "--fail-on");
  const pids = pidTexts.length > 0 ? pidTexts.map((t) => parsePid(t)) : undefined;
  const { audit, atLeast, RULE_IDS } = await import("../../audit/audit.js");
  const ruleIds = options.rules
    ?.split(",")
    .map((r) => r.trim())
    .filter((r) => r !== "");
  if (ruleIds !== undefined) {
    if (ruleIds.length === 0) throw new UsageError(`no rule given; known rules: ${RULE_IDS.join(", ")}`);
    const unknown = ruleIds.filter((r) => !RULE_IDS.includes(r));
    if (unknown.length > 0)
      throw new UsageError(
        `unknown ${unknown.length === 1 ? "rule" : "rules"} "${unknown.join('", "')}"; known rules: ${RULE_IDS.join(", ")}`,
      );
  }
  const memory = options.memory === true || ruleIds?.includes("secret-in-memory") === true;
  if (memory && !run.procFs.isLive) throw new UsageError("--memory needs the live system: a capture holds no process memory");
  const result = await audit(run.context, {
    ...(pids ? { pids } : {}),
    ...(ruleIds ? { rules: ruleIds } : {}),
    memory,
    signal: run.io.signal,
  });
  const shown = minSeverity === undefined ? result.findings : result.findings.filter((f) => atLeast(f, minSeverity));
  if (run.json) run.printJsonArray(shown);
  else {
    const { renderFindings, renderAuditSummary } = await import("../render/audit.js");
    run.print(renderFindings(shown, run.width));
    run.print(renderAuditSummary(shown, result.processes, result.skipped.count));
  }
  const notChecked = Object.entries(result.notChecked.reasons);
  // On stderr with --json too: an empty array must not read as "checked, nothing found".
  if (notChecked.length > 0) run.warn(`some checks could not run: ${notChecked.map(([reason, n]) => `${reason} (${n})`).join("; ")}`);
  if (failOn !== undefined && result.findings.some((f) => atLeast(f, failOn))) run.exitCode = EXIT_FINDINGS;
}

interface CaptureCommandOptions {
  readonly output?: string;
  readonly withSecrets?: boolean;
  readonly withKallsyms?: boolean;
}

async function captureCommand(run: CommandRun, options: CaptureCommandOptions): Promise<void> {
  if (options.output === undefined) throw new UsageError("-o PATH is required (a new directory, or a file ending in .tar.gz)");
  if (!run.procFs.isLive) throw new UsageError("capture reads the live /proc: --root cannot be used with it");
  const { capture } = await import("../../capture/capture.js");
  const { SkippedTally, describeSkipped } = await import("../../model/reader.js");
  const tally = new SkippedTally();
  const manifest = await capture(run.procFs, options.output, {
    version: VERSION,
    signal: run.io.signal,
    withSecrets: options.withSecrets === true,
    withKallsyms: options.withKallsyms === true,
    excludePids: [process.pid],
    onSkipped: (pid, error) => tally.add(pid, error),
  });
  if (run.json) run.printJson(manifest);
  else
    run.print(
      `captured ${plural(manifest.processes, "process", "processes")} (${plural(manifest.threads, "thread")}, ${(manifest.bytes / 1048576).toFixed(1)} MiB of text) into ${options.output}${
        manifest.exited.length ? `; ${manifest.exited.length} exited while being captured` : ""
      }${manifest.environRedacted ? "; environ redacted" : ""}\n`,
    );
  // A capture missing what this user could not read must not pass for a whole one.
  const sentences = [describeSkipped(tally.skipped(run.procFs)), deniedFilesSentence(manifest.skipped)].filter((s) => s !== null);
  if (sentences.length > 0) run.warn(sentences.join("; "));
}

/** "N files could not be read (permission denied), listed in manifest.json", or null. */
function deniedFilesSentence(skipped: Readonly<Record<string, number>>): string | null {
  let files = 0;
  for (const [key, n] of Object.entries(skipped)) if (key.endsWith(": permission denied") && !key.startsWith("process:")) files += n;
  return files === 0
    ? null
    : `${plural(files, "file")} of the processes captured could not be read (permission denied): manifest.json's skipped lists them`;
}

interface DiffCommandOptions {
  readonly rssThreshold?: string;
  readonly fdThreshold?: string;
  readonly findings?: boolean;
}

async function diffCommand(run: CommandRun, beforePath: string, afterPath: string | undefined, options: DiffCommandOptions): Promise<void> {
  const { parsePositiveInt } = await import("../args.js");
  const { openProcFs } = await import("../../access/proc-fs.js");
  const { resolveProcRoot } = await import("../../capture/root.js");
  const { createProcessContext } = await import("../../processes/context.js");
  const { diffSnapshots } = await import("../../capture/diff.js");
  const open = (p: string) => {
    let root: string;
    try {
      root = resolveProcRoot(p);
    } catch (error) {
      // The library's hint is about --root; here the capture is an argument.
      if (error instanceof Error && "option" in error && error.option === "root")
        throw new UsageError(`${error.message}; diff compares captures (a directory or a .tar.gz) or /proc trees`);
      throw error;
    }
    const procFs = openProcFs(root);
    if (!procFs.exists("stat") && procFs.listPids().length === 0) throw new UsageError(`"${p}" holds no processes: is it a capture?`);
    return createProcessContext(procFs);
  };
  const before = open(beforePath);
  const after = afterPath === undefined ? run.context : open(afterPath);
  const diff = await diffSnapshots(
    before,
    after,
    {
      ...(options.rssThreshold ? { rssThresholdBytes: parsePositiveInt(options.rssThreshold, "--rss-threshold") * 1048576 } : {}),
      ...(options.fdThreshold ? { fdThreshold: parsePositiveInt(options.fdThreshold, "--fd-threshold") } : {}),
      findings: options.findings !== false,
    },
    after.procFs.isLive ? process.pid : null,
  );
  if (run.json) {
    run.printJson(diff);
    return;
  }
  const { renderDiff } = await import("../render/diff.js");
  run.print(renderDiff(diff));
}

export function registerTriageCommands(program: Command, runAction: RunAction): void {
  withCommonOptions(
    program
      .command("audit")
      .description(
        "security findings: deleted or fileless executables, RWX memory, preloads, reverse shells, fake kernel threads, hidden and traced processes, secrets",
      )
      .argument("[pid...]", "only these processes (default: all)")
      .option("--rules <list>", "only these rules (comma-separated; an unknown name lists the known ones)")
      .option("--min-severity <level>", "print findings at or above info|low|medium|high|critical")
      .option("--fail-on <level>", "exit 5 when a finding is at or above this severity (for cron and CI)")
      .option("--memory", "also scan writable memory for secrets (secret-in-memory; slow)"),
  ).action(runAction(auditCommand));

  withCommonOptions(
    program
      .command("capture")
      .description("write a snapshot of /proc's text files that --root reads back (never mem or pagemap); environ redacted")
      .option("-o, --output <path>", "a new directory, or a file ending in .tar.gz (never overwritten)")
      .option("--with-secrets", "keep environ values as they are (default: credential-like values redacted)")
      .option("--with-kallsyms", "include /proc/kallsyms"),
  ).action(runAction(captureCommand));

  withCommonOptions(
    program
      .command("diff")
      .description(
        "what changed between two captures, or a capture and now: processes, executables, RSS, fds, listeners, deleted files, findings",
      )
      .argument("<before>", "a capture (directory or .tar.gz)")
      .argument("[after]", "a later capture (default: the live system)")
      .option("--rss-threshold <MiB>", "smallest RSS change shown (default 64)")
      .option("--fd-threshold <count>", "smallest fd-count change shown (default 64)")
      .option("--no-findings", "do not compare audit findings"),
  ).action(runAction(diffCommand));
}
