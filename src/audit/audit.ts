/**
 * `audit`: runs the rules over every process (or the given ones) and returns findings, most
 * severe first. Each rule is a plain function in `rules/` over facts read once per process
 * (`facts.ts`); a rule that cannot read what it needs for a process (permission, a file the
 * kernel or a capture lacks) is counted in `notChecked`, never silently passed.
 */
import { AccessDenied, InvalidArgument, ProcError, ProcessGone } from "../errors.js";
import type { Finding } from "../model/finding.js";
import type { ProcessContext } from "../model/reader.js";
import { type Severity, severityRank } from "../model/severity.js";
import { type AuditEnv, ProcessFacts, type Rule, socketTableCache } from "./facts.js";
import { type AuditedProcess, addSkip, listAuditedProcesses, readAuditedProcess, type Skipped } from "./processes.js";
import { deletedExeRule } from "./rules/deleted-exe.js";
import { fakeKernelThreadRule } from "./rules/fake-kernel-thread.js";
import { hiddenProcessRule } from "./rules/hidden-process.js";
import { memfdExeRule } from "./rules/memfd-exe.js";
import { patchedCodeRule } from "./rules/patched-code.js";
import { preloadRule } from "./rules/preload.js";
import { reverseShellRule } from "./rules/reverse-shell.js";
import { rwxMemoryRule } from "./rules/rwx-memory.js";
import { secretInEnvironRule } from "./rules/secret-in-environ.js";
import { secretInMemoryRule } from "./rules/secret-in-memory.js";
import { tmpExeRule } from "./rules/tmp-exe.js";
import { tracedRule } from "./rules/traced.js";

/** Every rule, in the order they run. */
export const RULES: readonly Rule[] = [
  deletedExeRule,
  patchedCodeRule,
  memfdExeRule,
  tmpExeRule,
  rwxMemoryRule,
  preloadRule,
  reverseShellRule,
  fakeKernelThreadRule,
  hiddenProcessRule,
  tracedRule,
  secretInEnvironRule,
  secretInMemoryRule,
];

export const RULE_IDS: readonly string[] = RULES.map((r) => r.id);

export interface AuditOptions {
  /** Only these processes (system-wide checks then look only at them, or are skipped). */
  readonly pids?: readonly number[];
  /** Rule ids; default: every rule not opt-in (plus secret-in-memory with `memory`). */
  readonly rules?: readonly string[];
  /** Run the memory scan (secret-in-memory). */
  readonly memory?: boolean;
  readonly signal?: AbortSignal;
}

export interface AuditResult {
  /** Most severe first, then by PID and rule. */
  readonly findings: Finding[];
  readonly processes: number;
  /** Processes that could not be listed at all. */
  readonly skipped: Skipped;
  /** Rule checks that could not run on a process, by reason ("traced: permission denied…": n). */
  readonly notChecked: Skipped;
  readonly rules: readonly string[];
}

/** Resolves rule ids; an unknown id is an InvalidArgument naming the known ones. */
export function selectRules(ids: readonly string[] | undefined, memory: boolean): Rule[] {
  if (ids === undefined) return RULES.filter((r) => !r.optIn || memory);
  const unknown = ids.filter((id) => !RULE_IDS.includes(id));
  if (unknown.length > 0)
    throw new InvalidArgument(
      `unknown rule${unknown.length > 1 ? "s" : ""} "${unknown.join('", "')}"; known rules: ${RULE_IDS.join(", ")}`,
    );
  return RULES.filter((r) => ids.includes(r.id));
}

/** Sorts findings most severe first, then by PID (system-wide first) and rule. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      severityRank(b.severity as Severity) - severityRank(a.severity as Severity) ||
      (a.pid ?? -1) - (b.pid ?? -1) ||
      a.rule.localeCompare(b.rule) ||
      a.summary.localeCompare(b.summary),
  );
}

function reasonOf(error: ProcError): string {
  if (error instanceof AccessDenied) return `permission denied (${error.reason})`;
  if (error.kind !== "Unavailable") return error.kind;
  if (/: not captured$/.test(error.message)) return "not captured";
  return /does not exist/.test(error.message) ? "not offered by this kernel" : error.message;
}

/**
 * Audits the processes behind `context`. Throws InvalidArgument for an unknown rule, ProcessGone
 * for a given PID that does not exist, AccessDenied for one that cannot be read (hidepid).
 * const { findings } = await audit(context, { rules: ["deleted-exe"] })
 */
export async function audit(context: ProcessContext, options: AuditOptions = {}): Promise<AuditResult> {
  const rules = selectRules(options.rules, options.memory === true);
  const { procFs } = context;
  const { processes: all, skipped } = listAuditedProcesses(context);
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const pids = options.pids ?? null;
  let targets: AuditedProcess[] = all;
  if (pids !== null) {
    targets = [];
    for (const pid of pids) {
      // Read alone, a PID the listing lacks throws why: hidden by hidepid (AccessDenied), never existed.
      targets.push(byPid.get(pid) ?? readAuditedProcess(context, pid));
    }
  }
  const selfPid = procFs.isLive ? process.pid : null;
  const notChecked: Skipped = { count: 0, reasons: {} };
  const env: AuditEnv = {
    context,
    procFs,
    processes: all,
    byPid,
    selfPid,
    socketsOf: socketTableCache(procFs),
    notChecked: (reason) => addSkip(notChecked, reason),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const findings: Finding[] = [];
  const processRules = rules.filter((r) => r.process);
  let audited = 0;
  for (const p of targets) {
    if (p.pid === selfPid) continue;
    if (options.signal?.aborted) break;
    let facts: ProcessFacts;
    try {
      facts = ProcessFacts.open(procFs, p);
    } catch (error) {
      if (error instanceof ProcessGone) continue;
      if (!(error instanceof ProcError)) throw error;
      addSkip(skipped, reasonOf(error));
      continue;
    }
    audited++;
    try {
      for (const rule of processRules) {
        try {
          findings.push(...(await (rule.process as NonNullable<Rule["process"]>)(facts, env)));
        } catch (error) {
          if (error instanceof ProcessGone) throw error;
          if (!(error instanceof ProcError)) throw error;
          addSkip(notChecked, `${rule.id}: ${reasonOf(error)}`);
        }
      }
    } catch (error) {
      if (!(error instanceof ProcessGone)) throw error;
      audited--; // it exited while being audited: its partial findings stay (they were true)
    } finally {
      facts.close();
    }
    // Counted by process: a line that did not parse is a region no rule looked at.
    for (const file of facts.filesWithSkippedLines) addSkip(notChecked, `${file}: lines that did not parse were skipped`);
  }
  for (const rule of rules) {
    if (!rule.system) continue;
    try {
      findings.push(...(await rule.system(env, { pids })));
    } catch (error) {
      if (!(error instanceof ProcError)) throw error;
      addSkip(notChecked, `${rule.id}: ${reasonOf(error)}`);
    }
  }
  return { findings: sortFindings(findings), processes: audited, skipped, notChecked, rules: rules.map((r) => r.id) };
}

/** True when a finding is at or above `severity`. */
export function atLeast(finding: Finding, severity: Severity): boolean {
  return severityRank(finding.severity as Severity) >= severityRank(severity);
}
