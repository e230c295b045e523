/** triage: audit (security findings), capture (a snapshot --root reads back), diff. */
import type { Command } from "commander";
import { parsePid } from "../args.js";
import { type CommandRun, type RunAction, withCommonOptions } from "../command.js";
import { UsageError } from "../exit.js";

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
    const unknown = ruleIds.filter((r) => !RULE_IDS.includes(r));
    if (unknown.length > 0 || ruleIds.length === 0)
      throw new UsageError(`unknown rule${unknown.length === 1 ? "" : "s"} "${unknown.join('", "')}"; known rules: ${RULE_IDS.join(", ")}`);
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
  if (notChecked.length > 0 && !run.json)
    run.warn(`some checks could not run: ${notChecked.map(([reason, n]) => `${reason} (${n})`).join("; ")}`);
  if (failOn !== undefined && result.findings.some((f) => atLeast(f, failOn))) run.exitCode = EXIT_FINDINGS;
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
}
