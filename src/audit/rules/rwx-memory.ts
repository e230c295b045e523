/**
 * rwx-memory: a mapping that is writable and executable at once. Injected shellcode needs memory
 * it can write and then run; malfind (Volatility) looks for exactly this, and ranks anonymous
 * regions (no file behind them) higher: nothing on disk explains their content.
 *
 * Known false positives: JIT compilers map RWX code caches (Java HotSpot, .NET, LuaJIT, some
 * JavaScript engines, PCRE JIT, older Firefox/Chrome); libffi trampolines; some emulators.
 * The first bytes of each region are shown (hex) so a reader can tell a JIT stub from shellcode.
 */
import type { Finding } from "../../model/finding.js";
import type { Region } from "../../procfs/pid/maps.js";
import { finding, type ProcessFacts, type Rule } from "../facts.js";

const SHOWN_REGIONS = 8;
const FIRST_BYTES = 16;

function isAnonymous(r: Region): boolean {
  return r.path === null || r.kind === "anon" || r.kind === "heap" || r.kind === "stack";
}

export function rwxMemory(facts: ProcessFacts): Finding[] {
  const p = facts.process;
  if (p.kernelThread) return [];
  const rwx = facts.regions().filter((r) => r.writable && r.executable);
  if (rwx.length === 0) return [];
  const anonymous = rwx.filter(isAnonymous);
  const shown = [...anonymous, ...rwx.filter((r) => !isAnonymous(r))].slice(0, SHOWN_REGIONS);
  const regions = shown.map((r) => {
    const { bytes, reason } = facts.readMemory(r.start, Math.min(FIRST_BYTES, r.sizeBytes));
    return {
      start: r.start,
      end: r.end,
      sizeBytes: r.sizeBytes,
      perms: r.perms,
      kind: r.kind,
      path: r.path,
      anonymous: isAnonymous(r),
      firstBytes: bytes === null ? null : bytes.toString("hex"),
      ...(reason === null ? {} : { firstBytesError: reason }),
    };
  });
  const first = regions[0] as (typeof regions)[number];
  const name = first.path ?? "anonymous memory";
  return [
    finding(
      p,
      "rwx-memory",
      anonymous.length > 0 ? "high" : "medium",
      `${rwx.length} writable and executable region(s), ${anonymous.length} anonymous; first at 0x${first.start.toString(16)} (${name})`,
      { count: rwx.length, anonymousCount: anonymous.length, regions },
      "JIT compilers (Java, .NET, LuaJIT) map RWX memory; anything else may hold injected code: dump it (procscope dump PID --region 0xSTART-0xEND) and disassemble.",
    ),
  ];
}

export const rwxMemoryRule: Rule = {
  id: "rwx-memory",
  description: "a mapping both writable and executable (anonymous ranks higher); first bytes shown",
  process: rwxMemory,
};
