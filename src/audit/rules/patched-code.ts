/**
 * patched-code: an executable mapping of a file holds anonymous pages (smaps Anonymous > 0): pages
 * copied on write, so the code in memory is no longer what the file holds. Something wrote into it
 * after it was loaded: an injector through ptrace or /proc/PID/mem, a hooking library, a rootkit's
 * user-space part.
 *
 * Known false positives: a debugger's software breakpoints (gdb writes int3 into the text);
 * live-patching and instrumentation tools (Frida, some profilers and APMs); old 32-bit libraries
 * with text relocations. Private_Dirty alone is not used: a binary just written (by a compiler, an
 * installer) whose page-cache pages are not yet on disk shows them as Private_Dirty while only one
 * process maps them, with nothing changed in memory. Needs smaps (not in a capture: the rule is skipped there).
 */
import type { Finding } from "../../model/finding.js";
import type { SmapsRegion } from "../../procfs/pid/smaps.js";
import { finding, type ProcessFacts, type Rule } from "../facts.js";

export function patchedCode(facts: ProcessFacts): Finding[] {
  const p = facts.process;
  if (p.kernelThread) return [];
  const patched = facts.fileCodeSmaps().filter((r) => r.usage.anonymousBytes > 0);
  if (patched.length === 0) return [];
  const first = patched[0] as SmapsRegion;
  return [
    finding(
      p,
      "patched-code",
      "high",
      `code of "${first.path}"${patched.length > 1 ? ` and ${patched.length - 1} more mapping(s)` : ""} was changed in memory after loading`,
      {
        regions: patched.slice(0, 8).map((r) => ({
          start: r.start,
          end: r.end,
          perms: r.perms,
          path: r.path,
          deleted: r.deleted,
          privateDirtyBytes: r.usage.privateDirtyBytes,
          anonymousBytes: r.usage.anonymousBytes,
        })),
        count: patched.length,
      },
      "Compare the region with the file (procscope dump --region ADDR; cmp with the file at the same offset). A debugger's breakpoints also do this.",
    ),
  ];
}

export const patchedCodeRule: Rule = {
  id: "patched-code",
  description: "an executable file mapping has copied-on-write (anonymous) pages: code changed after loading",
  process: patchedCode,
};
