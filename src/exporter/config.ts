/**
 * process-exporter's YAML config, read as is: `process_names`, a list of matchers with `comm`
 * (exact names), `exe` (argv[0], by basename unless the rule holds a "/"), `cmdline` (regexes that
 * must all match the arguments joined by spaces; named groups feed `{{.Matches.NAME}}`), and a
 * `name` template (default `{{.ExeBase}}`). The first matcher that matches names the group; an
 * unmatched process is not reported. Pure: text in, a config or an InvalidArgument out.
 */
import { parseDocument } from "yaml";
import { InvalidArgument } from "../errors.js";
import { GoSyntaxError, translateGoRegExp, UntranslatableError } from "./_goregexp.js";

/** What a matcher and a name template see of a process (process-exporter's ProcAttributes). */
export interface ProcessAttributes {
  readonly pid: number;
  readonly comm: string;
  /** argv; empty for kernel threads and zombies. */
  readonly cmdline: readonly string[];
  /** Effective user name (the uid as text when it has no name). */
  readonly user: string;
  /** Start time, seconds since the epoch. */
  readonly startTimeSeconds: number;
}

type TemplatePart = { readonly text: string } | { readonly field: TemplateField } | { readonly match: string };
type TemplateField = "Comm" | "ExeBase" | "ExeFull" | "Username" | "PID" | "StartTime";
const TEMPLATE_FIELDS: readonly TemplateField[] = ["Comm", "ExeBase", "ExeFull", "Username", "PID", "StartTime"];

export interface GroupMatcher {
  readonly comms: ReadonlySet<string> | null;
  /** basename → full path ("" = any path with that basename). */
  readonly exes: ReadonlyMap<string, string> | null;
  readonly cmdlines: readonly RegExp[] | null;
  readonly template: readonly TemplatePart[];
  /** The template as written, for messages. */
  readonly name: string;
  /** True for the built-in "every process by comm" matcher (matches kernel threads too). */
  readonly all: boolean;
}

export interface ExporterConfig {
  readonly matchers: readonly GroupMatcher[];
  /** Keys the config holds that process-exporter ignores too: said once at start, not fatal. */
  readonly warnings: readonly string[];
  /** True when a template uses {{.Username}} (the user name must then be read). */
  readonly needsUser: boolean;
}

/** Without --config: every process, grouped by comm. */
export const DEFAULT_CONFIG: ExporterConfig = {
  matchers: [{ comms: null, exes: null, cmdlines: null, template: [{ field: "Comm" }], name: "{{.Comm}}", all: true }],
  warnings: [],
  needsUser: false,
};

/**
 * A Go (RE2) regex as the JavaScript RegExp that means the same (./_goregexp.ts), with its capture
 * names. Throws InvalidArgument naming the regex when Go would refuse it too, or when no RegExp on
 * Node 20 means the same.
 */
function compileGoRegExp(source: string): { regex: RegExp; names: readonly string[] } {
  try {
    const translated = translateGoRegExp(source);
    return { regex: new RegExp(translated.source, "u"), names: translated.names };
  } catch (error) {
    if (error instanceof UntranslatableError)
      throw new InvalidArgument(`cmdline regex "${source}" has no JavaScript equivalent: ${error.message}`);
    if (error instanceof GoSyntaxError) throw new InvalidArgument(`invalid cmdline regex "${source}": ${error.message}`);
    throw new InvalidArgument(
      `cmdline regex "${source}" translated into an invalid JavaScript regex (a bug to report): ${(error as Error).message}`,
    );
  }
}

/**
 * Go (RE2) regex syntax → a JavaScript RegExp with the same meaning. Throws InvalidArgument
 * naming the regex when it is not valid Go, or when JavaScript cannot say the same.
 * goRegExp("(?i:foo)(?P<n>\\d+)").exec("FoO12")?.groups?.n === "12"
 */
export function goRegExp(source: string): RegExp {
  return compileGoRegExp(source).regex;
}

/**
 * Parses a Go text/template name such as "{{.Comm}}:{{.Matches.Cfg}}" into parts. Only field
 * references are allowed: pipelines, functions and actions are refused, as is any field the
 * exporter does not offer (Cgroups and Cwd would leak paths into labels).
 */
export function parseNameTemplate(template: string, captureNames: ReadonlySet<string>): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf("{{", at);
    if (open < 0) {
      parts.push({ text: template.slice(at) });
      break;
    }
    if (open > at) parts.push({ text: template.slice(at, open) });
    const close = template.indexOf("}}", open + 2);
    if (close < 0) throw new InvalidArgument(`invalid name template "${template}": unclosed "{{"`);
    const action = template
      .slice(open + 2, close)
      .replace(/^-\s/, "")
      .replace(/\s-$/, "")
      .trim();
    const match = /^\.Matches\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(action);
    if (match) {
      const name = match[1] as string;
      if (!captureNames.has(name))
        throw new InvalidArgument(
          `invalid name template "${template}": {{.Matches.${name}}} names no capture group of this matcher's cmdline regexes`,
        );
      parts.push({ match: name });
    } else {
      const field = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(action)?.[1];
      if (field === undefined || !TEMPLATE_FIELDS.includes(field as TemplateField))
        throw new InvalidArgument(
          `invalid name template "${template}": unknown template field "{{${action}}}" (known: ${TEMPLATE_FIELDS.map((f) => `{{.${f}}}`).join(", ")}, {{.Matches.NAME}})`,
        );
      parts.push({ field: field as TemplateField });
    }
    at = close + 2;
  }
  return parts;
}

function stringList(value: unknown, where: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw new InvalidArgument(`${where} must be a list of strings`);
  return value.map((v, i) => {
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    throw new InvalidArgument(`${where}[${i}] must be a string`);
  });
}

/**
 * Parses process-exporter's YAML config. Throws InvalidArgument with one line naming the problem.
 * parseExporterConfig("process_names:\n  - comm: [bash]\n").matchers.length === 1
 */
export function parseExporterConfig(text: string, source = "config"): ExporterConfig {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) {
    // With prettyErrors off (its messages span lines) the error has only an offset: count lines.
    const first = doc.errors[0] as { message: string; pos?: [number, number] };
    const offset = first.pos?.[0];
    const line = offset === undefined ? undefined : text.slice(0, offset).split("\n").length;
    throw new InvalidArgument(`${source} is not valid YAML${line ? ` (line ${line})` : ""}: ${first.message.split("\n")[0]}`);
  }
  const root = doc.toJS() as unknown;
  if (root === null || typeof root !== "object" || Array.isArray(root))
    throw new InvalidArgument(`${source} must be a YAML mapping with a "process_names" list`);
  const warnings: string[] = [];
  for (const key of Object.keys(root)) if (key !== "process_names") warnings.push(`${source}: unknown key "${key}" ignored`);
  const list = (root as Record<string, unknown>).process_names;
  if (!Array.isArray(list)) throw new InvalidArgument(`${source} must have a "process_names" list`);
  let needsUser = false;
  const matchers = list.map((item: unknown, index): GroupMatcher => {
    const where = `${source}: process_names[${index}]`;
    if (item === null || typeof item !== "object" || Array.isArray(item)) throw new InvalidArgument(`${where} must be a mapping`);
    const entry = item as Record<string, unknown>;
    for (const key of Object.keys(entry))
      if (!["name", "comm", "exe", "cmdline"].includes(key)) warnings.push(`${where}: unknown key "${key}" ignored`);
    const comm = stringList(entry.comm, `${where}.comm`);
    const exe = stringList(entry.exe, `${where}.exe`);
    const cmdline = stringList(entry.cmdline, `${where}.cmdline`);
    if (comm === null && exe === null && cmdline === null)
      throw new InvalidArgument(`${where} has no matcher (needs at least one of comm, exe, cmdline)`);
    const exes = exe === null ? null : new Map(exe.map((e) => (e.includes("/") ? [basename(e), e] : [e, ""])));
    const compiled = cmdline === null ? null : cmdline.map((c) => located(where, () => compileGoRegExp(c)));
    const regexes = compiled === null ? null : compiled.map((c) => c.regex);
    const captures = new Set(compiled?.flatMap((c) => c.names) ?? []);
    const name = entry.name === undefined || entry.name === null || entry.name === "" ? "{{.ExeBase}}" : String(entry.name);
    const template = located(where, () => parseNameTemplate(name, captures));
    if (template.some((p) => "field" in p && p.field === "Username")) needsUser = true;
    return { comms: comm === null ? null : new Set(comm), exes, cmdlines: regexes, template, name, all: false };
  });
  return { matchers, warnings, needsUser };
}

/** Runs `parse`, prefixing the InvalidArgument it throws with where in the config it was. */
function located<T>(where: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InvalidArgument) throw new InvalidArgument(`${where}: ${error.message}`);
    throw error;
  }
}

function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const slash = trimmed.lastIndexOf("/");
  return slash < 0 ? trimmed : trimmed.slice(slash + 1) || "/";
}

/** Go's time.Time.String() in UTC, as process-exporter renders {{.StartTime}}. */
export function goTimeString(epochSeconds: number): string {
  const ms = Math.round(epochSeconds * 1000);
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  const frac = ms % 1000 === 0 ? "" : `.${pad(ms % 1000, 3).replace(/0+$/, "")}`;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac} +0000 UTC`;
}

function matches(m: GroupMatcher, p: ProcessAttributes, captured: Record<string, string>): boolean {
  if (m.all) return true;
  if (m.comms !== null && !m.comms.has(p.comm)) return false;
  if (m.exes !== null) {
    const argv0 = p.cmdline[0];
    if (argv0 === undefined) return false;
    const full = m.exes.get(basename(argv0));
    if (full === undefined || (full !== "" && full !== argv0)) return false;
  }
  if (m.cmdlines !== null) {
    const joined = p.cmdline.join(" ");
    for (const regex of m.cmdlines) {
      const found = regex.exec(joined);
      if (found === null) return false;
      for (const [k, v] of Object.entries(found.groups ?? {})) captured[k] = v ?? "";
    }
  }
  return true;
}

/**
 * The group a process belongs to: the name from the first matcher that matches, or null.
 * groupName(DEFAULT_CONFIG, { pid: 1, comm: "init", cmdline: [], user: "root", startTimeSeconds: 0 }) === "init"
 */
export function groupName(config: ExporterConfig, p: ProcessAttributes): string | null {
  for (const m of config.matchers) {
    const captured: Record<string, string> = {};
    if (!matches(m, p, captured)) continue;
    const argv0 = p.cmdline[0];
    const exeFull = argv0 ?? p.comm;
    const exeBase = argv0 === undefined ? p.comm : basename(argv0);
    let out = "";
    for (const part of m.template) {
      if ("text" in part) out += part.text;
      else if ("match" in part) out += captured[part.match] ?? "";
      else if (part.field === "Comm") out += p.comm;
      else if (part.field === "ExeBase") out += exeBase;
      else if (part.field === "ExeFull") out += exeFull;
      else if (part.field === "Username") out += p.user;
      else if (part.field === "PID") out += String(p.pid);
      else out += goTimeString(p.startTimeSeconds);
    }
    return out;
  }
  return null;
}
