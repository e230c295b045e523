/**
 * Everything about one process (`procscope show`). Each part reads one file through the same
 * directory handle, so all parts describe the same process even if its PID is reused meanwhile.
 * A part that cannot be read is null with its reason in `errors`; a part the caller *requires*
 * throws instead (so `show PID --field environ` exits 4 naming the file). Every part is always
 * read: the result is the whole ProcessDetails shape whatever is required.
 */
import type { ProcessDir } from "../access/proc-fs.js";
import { decodeBytes, rawBase64IfInvalid } from "../bytes.js";
import { InvalidArgument, ProcessGone, Unavailable } from "../errors.js";
import type { Process, ProcessDetails } from "../model/process.js";
import { type FieldErrors, fieldFailure, type ProcessContext, ProcessFileCache, type RawBase64, ZOMBIE_REASON } from "../model/reader.js";
import { capabilityNames } from "../procfs/capabilities.js";
import { type PidCgroup, parsePidCgroup } from "../procfs/pid/cgroup.js";
import { parseEnviron, splitNulBytes } from "../procfs/pid/cmdline.js";
import { parsePidIo } from "../procfs/pid/io.js";
import { parsePidLimits, type RlimitValue } from "../procfs/pid/limits.js";
import { parsePidLoginuid } from "../procfs/pid/loginuid.js";
import { NAMESPACE_LINKS, parseNsLink } from "../procfs/pid/ns.js";
import { parsePidOomScore, parsePidOomScoreAdj } from "../procfs/pid/oom_score.js";
import { parsePidPersonality } from "../procfs/pid/personality.js";
import { type PidStatus, parsePidStatus } from "../procfs/pid/status.js";
import { readWchan } from "../threads/threads.js";
import { detectContainer } from "./container.js";
import { processFrom } from "./process.js";

export type { Limit, ProcessDetails, StatusSummary } from "../model/process.js";

interface Namespace {
  readonly type: string;
  readonly inode: number;
}

type DetailName = Exclude<keyof ProcessDetails, keyof Process>;

/** The fields `show --field` accepts, with the file each reads (named in errors). */
export const DETAIL_FILES: Readonly<Record<DetailName, string>> = {
  cwd: "cwd",
  root: "root",
  exeDeleted: "exe",
  environ: "environ",
  limits: "limits",
  status: "status",
  io: "io",
  cgroups: "cgroup",
  container: "cgroup",
  namespaces: "ns",
  capabilities: "status",
  oomScore: "oom_score",
  oomScoreAdj: "oom_score_adj",
  personality: "personality",
  seccomp: "status",
  tracerPid: "status",
  nsPid: "status",
  loginUid: "loginuid",
  wchan: "wchan",
};

export const DETAIL_NAMES = Object.keys(DETAIL_FILES) as DetailName[];

function limitValue(value: RlimitValue): number | string {
  if (value === "unlimited") return value;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/** A zombie has released its memory, files and filesystem context; only its stat and status remain. */
const ZOMBIE_LACKS: ReadonlySet<string> = new Set(["cwd", "root", "environ", "exeDeleted"]);

const SECCOMP_MODES = ["disabled", "strict", "filter"];

export interface DetailsOptions {
  /** Throw if one of these detail fields cannot be read (the others are still read, or null with a reason). */
  readonly require?: readonly string[];
}

/**
 * Reads everything about one process. Throws ProcessGone if it does not exist or exits meanwhile.
 * getProcessDetails(context, 1).namespaces
 */
export function getProcessDetails(context: ProcessContext, pid: number, options: DetailsOptions = {}): ProcessDetails {
  const required = new Set(options.require ?? []);
  for (const name of required) {
    if (!(name in DETAIL_FILES)) throw new InvalidArgument(`unknown field "${name}"; known: ${DETAIL_NAMES.join(", ")}`);
  }
  const dir = context.procFs.openProcess(pid);
  try {
    return readDetails(dir, context, required);
  } finally {
    dir.close();
  }
}

function readDetails(dir: ProcessDir, context: ProcessContext, required: ReadonlySet<string>): ProcessDetails {
  const errors: FieldErrors = {};
  let zombie = false;
  const attempt = <T>(name: DetailName, read: () => T): T | null => {
    if (zombie && ZOMBIE_LACKS.has(name)) {
      errors[name] = ZOMBIE_REASON;
      return null;
    }
    try {
      return read();
    } catch (error) {
      if (required.has(name) || error instanceof ProcessGone) throw error;
      errors[name] = fieldFailure(error);
      return null;
    }
  };

  const files = new ProcessFileCache(dir, context);
  let status: PidStatus | undefined;
  let statusError: unknown;
  try {
    status = parsePidStatus(files.statusText());
  } catch (error) {
    if (error instanceof ProcessGone) throw error;
    statusError = error;
  }
  const fromStatus = <T>(name: DetailName, pick: (s: PidStatus) => T): T | null =>
    attempt(name, () => {
      if (status === undefined) throw statusError;
      return pick(status);
    });

  const base: Process = processFrom(files);
  zombie = base.state === "Z";
  Object.assign(errors, base.errors);
  const raw: RawBase64 = { ...base.rawBase64 };
  const link = (name: DetailName, file: string): string | null =>
    attempt(name, () => {
      const bytes = dir.readLink(file);
      const twin = rawBase64IfInvalid(bytes);
      if (twin !== null) raw[name] = twin;
      return decodeBytes(bytes);
    });
  if (base.exe === null && base.errors.exe !== undefined) errors.exeDeleted = base.errors.exe;
  // cgroups and container come from the one cgroup file: one read, one reason for both.
  const cgroupField = required.has("container") && !required.has("cgroups") ? "container" : "cgroups";
  const cgroups: readonly PidCgroup[] | null = attempt(cgroupField, () => dir.parse("cgroup", parsePidCgroup));
  const cgroupError = errors[cgroupField];
  if (cgroupError !== undefined) Object.assign(errors, { cgroups: cgroupError, container: cgroupError });

  const details: ProcessDetails = {
    ...base,
    errors,
    cwd: link("cwd", "cwd"),
    root: link("root", "root"),
    exeDeleted: base.exe === null ? null : base.exe.endsWith(" (deleted)"),
    environ: attempt("environ", () => {
      // The kernel answers ESRCH, which would read as "zombie or exiting".
      if (base.kernelThread) throw new Unavailable("a kernel thread has no environment (it has no user memory)");
      const bytes = dir.readBytes("environ");
      const environ = parseEnviron(bytes);
      if (Object.entries(environ).some(([name, value]) => name.includes("\\x") || value.includes("\\x"))) {
        const { values, names } = environTwins(bytes);
        if (Object.keys(values).length > 0) raw.environ = values;
        if (Object.keys(names).length > 0) raw.environNames = names;
      }
      return environ;
    }),
    limits: attempt("limits", () =>
      dir
        .parse("limits", parsePidLimits)
        .map((l) => ({ name: l.name, resource: l.resource, soft: limitValue(l.soft), hard: limitValue(l.hard), unit: l.unit })),
    ),
    status: fromStatus("status", (s) => ({
      uids: s.uids,
      gids: s.gids,
      groups: [...s.groups],
      umask: s.umask === null ? null : s.umask.toString(8).padStart(4, "0"),
      fdSize: s.fdSize,
      vmPeakBytes: s.vmPeakBytes,
      vmSizeBytes: s.vmSizeBytes,
      vmHwmBytes: s.vmHwmBytes,
      vmRssBytes: s.vmRssBytes,
      rssAnonBytes: s.rssAnonBytes,
      rssFileBytes: s.rssFileBytes,
      rssShmemBytes: s.rssShmemBytes,
      vmDataBytes: s.vmDataBytes,
      vmStackBytes: s.vmStkBytes,
      vmSwapBytes: s.vmSwapBytes,
      voluntaryCtxSwitches: s.voluntaryCtxtSwitches,
      nonvoluntaryCtxSwitches: s.nonvoluntaryCtxtSwitches,
      cpusAllowedList: s.cpusAllowedList,
      noNewPrivs: s.noNewPrivs,
      sigBlocked: s.sigBlk,
      sigIgnored: s.sigIgn,
      sigCaught: s.sigCgt,
    })),
    io: attempt("io", () => dir.parse("io", parsePidIo)),
    cgroups: cgroups === null ? null : cgroups.map((c) => ({ ...c, controllers: [...c.controllers] })),
    container: cgroups === null ? null : detectContainer(cgroups),
    namespaces: attempt("namespaces", () => readNamespaces(dir)),
    capabilities: fromStatus("capabilities", (s) => ({
      inheritable: capabilityNames(s.capInh ?? 0n),
      permitted: capabilityNames(s.capPrm ?? 0n),
      effective: capabilityNames(s.capEff ?? 0n),
      bounding: capabilityNames(s.capBnd ?? 0n),
      ambient: capabilityNames(s.capAmb ?? 0n),
    })),
    oomScore: attempt("oomScore", () => dir.parse("oom_score", parsePidOomScore)),
    oomScoreAdj: attempt("oomScoreAdj", () => dir.parse("oom_score_adj", parsePidOomScoreAdj)),
    personality: attempt("personality", () => {
      const personality = dir.parse("personality", parsePidPersonality);
      return { ...personality, flags: [...personality.flags] };
    }),
    seccomp: fromStatus("seccomp", (s) => (s.seccomp === null ? null : (SECCOMP_MODES[s.seccomp] ?? String(s.seccomp)))),
    tracerPid: fromStatus("tracerPid", (s) => s.tracerPid),
    nsPid: fromStatus("nsPid", (s) => (s.nsPid.length ? [...s.nsPid] : null)),
    loginUid: attempt("loginUid", () => dir.parse("loginuid", parsePidLoginuid)),
    wchan: attempt("wchan", () => readWchan(dir, base.state)),
  };
  if (Object.keys(raw).length > 0) return { ...details, rawBase64: raw };
  return details;
}

function readNamespaces(dir: ProcessDir): Namespace[] {
  const present = new Set(dir.listDir("ns"));
  const namespaces: Namespace[] = [];
  for (const name of NAMESPACE_LINKS) {
    if (!present.has(name) || name.endsWith("_for_children")) continue;
    const ns = parseNsLink(decodeBytes(dir.readLink(`ns/${name}`)));
    namespaces.push({ type: ns.type, inode: ns.inode });
  }
  return namespaces;
}

/**
 * Base64 of each environ value that is not valid UTF-8, keyed by its variable's name (later
 * duplicates win, as parseEnviron), and of each name that is not, keyed by the name as decoded.
 */
function environTwins(bytes: Uint8Array): { values: Record<string, string>; names: Record<string, string> } {
  const values: Record<string, string> = Object.create(null);
  const names: Record<string, string> = Object.create(null);
  for (const entry of splitNulBytes(bytes)) {
    const eq = entry.indexOf(0x3d);
    if (eq < 0) continue;
    const nameBytes = entry.subarray(0, eq);
    const name = decodeBytes(nameBytes);
    const nameTwin = rawBase64IfInvalid(nameBytes);
    if (nameTwin !== null) names[name] = nameTwin;
    const twin = rawBase64IfInvalid(entry.subarray(eq + 1));
    if (twin === null) delete values[name];
    else values[name] = twin;
  }
  return { values, names };
}
