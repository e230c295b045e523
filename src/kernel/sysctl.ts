/**
 * Kernel tunables under /proc/sys (sysctl(8), proc(5) "/proc/sys"): dotted names, values, and a
 * careful write — preview first, write only when asked, read back to verify.
 * A "." inside a path component (an interface "eth0.100") is shown as "/" in the dotted name.
 */

import type { ProcFs } from "../access/proc-fs.js";
import { AccessDenied, errnoCode, InvalidArgument, NotFound, ProcError, Unavailable } from "../errors.js";
import type { SysctlChange, SysctlEntry } from "../model/kernel.js";

export type { SysctlChange, SysctlEntry };

export interface SysctlListOptions {
  /**
   * A key ("vm.swappiness"), a group ("net.ipv4"), a glob with * and ? ("*.rp_filter"), or any
   * other text, matched as a substring of the name.
   */
  readonly pattern?: string;
}

/**
 * sysctlPath("net.ipv4.conf.eth0/100.forwarding") === "sys/net/ipv4/conf/eth0.100/forwarding".
 * Throws InvalidArgument for names that are not plain dotted keys (no "..", no empty parts).
 */
export function sysctlPath(name: string): string {
  const parts = name.split(".").map((part) => part.replaceAll("/", "."));
  if (name === "" || parts.some((p) => p === "" || p === "." || p === ".." || p.includes("\0")))
    throw new InvalidArgument(`"${name}" is not a sysctl name (expected dotted words such as "vm.swappiness")`);
  return `sys/${parts.join("/")}`;
}

/** The dotted name of a path below sys/ given as components. */
function dottedName(components: readonly string[]): string {
  return components.map((c) => c.replaceAll(".", "/")).join(".");
}

/** Keys whose read is an action, not a value (procps sysctl skips them too). */
const SKIPPED = new Set(["vm.stat_refresh"]);

function globToRegExp(glob: string): RegExp {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${source}$`);
}

function describe(error: unknown): string {
  if (error instanceof AccessDenied) return `permission denied: ${error.reason}`;
  if (error instanceof ProcError) return error.message;
  throw error;
}

function readValue(procFs: ProcFs, relPath: string): string {
  const text = procFs.readText(relPath);
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}

/**
 * Lists readable tunables (write-only keys such as vm.drop_caches are left out, as sysctl -a
 * does), sorted by name. Keys whose read fails have value null and the reason in errors.value.
 * listSysctl(procFs, { pattern: "vm.swappiness" })[0].value === "60"
 */
export function listSysctl(procFs: ProcFs, options: SysctlListOptions = {}): SysctlEntry[] {
  const pattern = options.pattern;
  let start: string[] = [];
  let match: (name: string) => boolean = () => true;
  if (pattern !== undefined && pattern !== "") {
    const isGlob = /[*?]/.test(pattern);
    let group = false;
    if (!isGlob) {
      let writeOnly: Unavailable | undefined;
      try {
        const relPath = sysctlPath(pattern);
        const stats = procFs.statPath(relPath);
        group = stats.isDirectory();
        if (!group) {
          // One key: read just it (a walk of /proc/sys costs 1300 reads).
          if ((stats.mode & 0o444) === 0) {
            writeOnly = new Unavailable(`${pattern} is write-only: a trigger with no value to read (writing a value to it acts)`);
            throw writeOnly;
          }
          if (SKIPPED.has(pattern)) return [];
          const writable = (stats.mode & 0o222) !== 0;
          try {
            return [{ name: pattern, value: readValue(procFs, relPath), writable, errors: {} }];
          } catch (error) {
            return [{ name: pattern, value: null, writable, errors: { value: describe(error) } }];
          }
        }
      } catch (error) {
        // (A key that does not exist is a substring to look for, not an error.)
        if (error instanceof AccessDenied || error === writeOnly) throw error;
        match = (name) => name.includes(pattern);
      }
      if (group) start = sysctlPath(pattern).slice("sys/".length).split("/");
    } else {
      const regex = globToRegExp(pattern);
      match = (name) => regex.test(name);
    }
  }
  const out: SysctlEntry[] = [];
  const walk = (components: string[]): void => {
    const relPath = components.length === 0 ? "sys" : `sys/${components.join("/")}`;
    let names: string[];
    try {
      names = procFs.listDir(relPath);
    } catch {
      return; // a directory we may not enter (or one that vanished, like a removed interface)
    }
    for (const child of names.sort()) {
      const next = [...components, child];
      const childPath = `${relPath}/${child}`;
      let stats: import("node:fs").Stats;
      try {
        stats = procFs.statPath(childPath);
      } catch {
        continue;
      }
      if (stats.isDirectory()) {
        walk(next);
        continue;
      }
      if ((stats.mode & 0o444) === 0) continue; // write-only: a trigger, not a value
      const name = dottedName(next);
      if (SKIPPED.has(name)) continue;
      if (!match(name)) continue;
      const writable = (stats.mode & 0o222) !== 0;
      try {
        out.push({ name, value: readValue(procFs, childPath), writable, errors: {} });
      } catch (error) {
        out.push({ name, value: null, writable, errors: { value: describe(error) } });
      }
    }
  };
  walk(start);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface SysctlWriteOptions {
  /** Write for real; without it the change is only previewed. */
  readonly apply?: boolean;
}

/** Same value as the kernel prints it? Whitespace-separated fields, numbers by value. */
export function sameSysctlValue(a: string, b: string): boolean {
  const fa = a.trim().split(/\s+/);
  const fb = b.trim().split(/\s+/);
  if (fa.length !== fb.length) return false;
  return fa.every((x, i) => {
    const y = fb[i] as string;
    if (x === y) return true;
    return /^-?\d+$/.test(x) && /^-?\d+$/.test(y) && BigInt(x) === BigInt(y);
  });
}

/**
 * Previews (default) or writes one tunable. Unknown keys → NotFound; groups, read-only keys and
 * values the kernel rejects (EINVAL) → InvalidArgument; nothing is changed in those cases.
 * writeSysctl(procFs, "vm.swappiness", "10", { apply: true })  // { old: "60", new: "10", verified: true, ... }
 */
export function writeSysctl(procFs: ProcFs, name: string, value: string, options: SysctlWriteOptions = {}): SysctlChange {
  const relPath = sysctlPath(name);
  let stats: import("node:fs").Stats;
  try {
    stats = procFs.statPath(relPath);
  } catch (error) {
    if (error instanceof Unavailable && (errnoCode(error.cause) === "ENOENT" || errnoCode(error.cause) === "ENOTDIR"))
      throw new NotFound(`unknown sysctl key "${name}"`, { path: procFs.resolve(relPath) });
    throw error;
  }
  if (stats.isDirectory()) throw new InvalidArgument(`"${name}" is a group of keys, not a key (try "procscope sysctl ${name}")`);
  if ((stats.mode & 0o222) === 0) throw new InvalidArgument(`sysctl key "${name}" is read-only`);
  if (value === "" || value.includes("\n")) throw new InvalidArgument(`the value for "${name}" must be one non-empty line`);
  const readable = (stats.mode & 0o444) !== 0;
  const old = readable ? readValue(procFs, relPath) : null;
  if (!options.apply) return { name, old, requested: value, new: null, written: false, verified: false };
  try {
    procFs.writeText(relPath, value);
  } catch (error) {
    const code = error instanceof Error ? errnoCode(error.cause) : undefined;
    if (code === "EINVAL" || code === "ERANGE")
      throw new InvalidArgument(`the kernel rejected "${value}" for "${name}" (${code}); it still reads ${JSON.stringify(old)}`);
    if (error instanceof AccessDenied)
      throw new AccessDenied(procFs.resolve(relPath), `writing sysctl "${name}" needs root (CAP_SYS_ADMIN or the key's owner)`, error);
    throw error;
  }
  const now = readable ? readValue(procFs, relPath) : null;
  return { name, old, requested: value, new: now, written: true, verified: now === null || sameSysctlValue(now, value) };
}
