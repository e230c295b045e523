#!/usr/bin/env node
/**
 * Generates src/procfs/syscalls/{x86_64,aarch64,unified}.ts: syscall number → name, for decoding
 * /proc/PID/syscall. Since Linux 5.1 every architecture numbers new calls alike (424 and up):
 * those are written once, to unified.ts, after checking that both headers agree. Sources are the kernel's UAPI headers as installed by linux-libc-dev:
 *   x86_64:  <asm/unistd_64.h>  (one "#define __NR_name N" per call)
 *   aarch64: <asm-generic/unistd.h> (the generic table arm64 uses, with arm64's __ARCH_WANT_* set)
 * Calls newer than the installed headers (numbers 451+ are shared by every architecture since
 * Linux 5.1's unified numbering) are listed below from the kernel's syscall tables.
 *
 *   node scripts/gen-syscalls.mjs [--x86 PATH] [--generic PATH]
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(here, "..", "src", "procfs", "syscalls");

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const x86Header = option("--x86", "/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
const genericHeader = option("--generic", "/usr/include/asm-generic/unistd.h");

/** Added after the linux-libc-dev 6.1 headers; same number on x86_64 and aarch64. */
const NEWER = new Map([
  [451, "cachestat"],
  [452, "fchmodat2"],
  [453, "map_shadow_stack"],
  [454, "futex_wake"],
  [455, "futex_wait"],
  [456, "futex_requeue"],
  [457, "statmount"],
  [458, "listmount"],
  [459, "lsm_get_self_attr"],
  [460, "lsm_set_self_attr"],
  [461, "lsm_list_modules"],
  [462, "mseal"],
  [463, "setxattrat"],
  [464, "getxattrat"],
  [465, "listxattrat"],
  [466, "removexattrat"],
  [467, "open_tree_attr"],
  [468, "file_getattr"],
  [469, "file_setattr"],
]);

function parseX86(text) {
  const table = new Map();
  for (const match of text.matchAll(/^#define __NR_(\w+)\s+(\d+)\s*$/gm)) table.set(Number(match[2]), match[1]);
  return table;
}

/** arm64's choices for the generic header (arch/arm64/include/uapi/asm/unistd.h). */
const ARM64_WANTS = new Set([
  "__ARCH_WANT_RENAMEAT",
  "__ARCH_WANT_NEW_STAT",
  "__ARCH_WANT_SET_GET_RLIMIT",
  "__ARCH_WANT_SYS_CLONE3",
  "__ARCH_WANT_MEMFD_SECRET",
]);

/** Evaluates the few preprocessor conditions the generic header uses, for a 64-bit native build. */
function condition(expr) {
  const e = expr
    .trim()
    .replace(/\/\*.*\*\//, "")
    .trim();
  const table = {
    "defined(__ARCH_WANT_TIME32_SYSCALLS) || __BITS_PER_LONG != 32": true,
    "defined(__ARCH_WANT_NEW_STAT) || defined(__ARCH_WANT_STAT64)": true,
    "defined(__SYSCALL_COMPAT) || __BITS_PER_LONG == 32": false,
    "__BITS_PER_LONG == 32 || defined(__SYSCALL_COMPAT)": false,
    "__BITS_PER_LONG == 64 && !defined(__SYSCALL_COMPAT)": true,
  };
  if (e in table) return table[e];
  let m = /^def(?:ined)?\s*\(?\s*(\w+)\s*\)?$/.exec(e);
  if (m) return ARM64_WANTS.has(m[1]);
  m = /^ndef\s+(\w+)$/.exec(e);
  if (m) return !(m[1] === "__ARCH_NOMMU" ? false : ARM64_WANTS.has(m[1]));
  throw new Error(`gen-syscalls: unknown condition in ${genericHeader}: ${expr}`);
}

function parseGeneric(text) {
  const numbers = new Map(); // macro → number
  const aliases = new Map(); // __NR_x → __NR3264_y
  const stack = [];
  const active = () => stack.every((s) => s);
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const open = /^#if(ndef|def)?\s+(.*)$/.exec(line);
    if (open) {
      // The include guard and the __SYSCALL fallback do not select calls.
      const expr = open[1] === "ndef" ? `ndef ${open[2]}` : open[1] === "def" ? `defined(${open[2]})` : open[2];
      stack.push(/^ndef (__SYSCALL|_ASM_GENERIC_UNISTD_H)/.test(expr) ? true : condition(expr));
      continue;
    }
    if (line.startsWith("#else")) stack.push(!stack.pop());
    else if (line.startsWith("#endif")) stack.pop();
    if (!active()) continue;
    const number = /^#define (__NR(?:3264)?_\w+)\s+(\d+)\s*$/.exec(line);
    if (number) numbers.set(number[1], Number(number[2]));
    const alias = /^#define (__NR_\w+)\s+(__NR3264_\w+)\s*$/.exec(line);
    if (alias) aliases.set(alias[1], alias[2]);
  }
  const table = new Map();
  for (const [macro, nr] of numbers) if (macro.startsWith("__NR_") && macro !== "__NR_syscalls") table.set(nr, macro.slice(5));
  for (const [macro, target] of aliases) {
    const nr = numbers.get(target);
    if (nr !== undefined) table.set(nr, macro.slice(5));
  }
  return table;
}

/** The first number of Linux 5.1's unified numbering (pidfd_send_signal), the same on every architecture. */
const UNIFIED_FIRST = 424;

function namesOf(table, from, to) {
  const names = [];
  for (let nr = from; nr <= to; nr++) names.push(table.get(nr) ?? null);
  return names;
}

function write(file, doc, name, names) {
  const body = names.map((n) => (n === null ? "null" : JSON.stringify(n))).join(",\n  ");
  fs.writeFileSync(path.join(outDir, file), `/**\n * ${doc}\n */\nexport const ${name}: readonly (string | null)[] = [\n  ${body},\n];\n`);
}

function emit(arch, source, table) {
  write(
    `${arch}.ts`,
    `${arch} system call names by number below ${UNIFIED_FIRST}, generated by scripts/gen-syscalls.mjs from ${source}.\n * Calls from ${UNIFIED_FIRST} up are in unified.ts. Do not edit by hand.`,
    `SYSCALLS_${arch.toUpperCase()}`,
    namesOf(table, 0, UNIFIED_FIRST - 1),
  );
  console.log(`${arch}: ${table.size} calls`);
}

function emitUnified(tables) {
  for (const table of tables) for (const [nr, name] of NEWER) if (!table.has(nr)) table.set(nr, name);
  const max = Math.max(...tables.flatMap((table) => [...table.keys()]));
  const [first, ...others] = tables.map((table) => namesOf(table, UNIFIED_FIRST, max));
  for (const other of others)
    other.forEach((name, i) => {
      if (name !== first[i]) throw new Error(`gen-syscalls: call ${UNIFIED_FIRST + i} is "${first[i]}" on x86_64 but "${name}" on aarch64`);
    });
  write(
    "unified.ts",
    `System call names numbered ${UNIFIED_FIRST} and up, the same on every architecture since Linux 5.1, generated by\n * scripts/gen-syscalls.mjs from the headers (and the newer calls it lists). Do not edit by hand.`,
    "SYSCALLS_UNIFIED",
    first,
  );
  console.log(`unified: ${UNIFIED_FIRST}-${max}`);
}

fs.mkdirSync(outDir, { recursive: true });
const x86 = parseX86(fs.readFileSync(x86Header, "utf8"));
const arm64 = parseGeneric(fs.readFileSync(genericHeader, "utf8"));
emit("x86_64", "<asm/unistd_64.h>", x86);
emit("aarch64", "<asm-generic/unistd.h> with arm64's __ARCH_WANT_* choices", arm64);
emitUnified([x86, arm64]);
