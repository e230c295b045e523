/**
 * patched-code on a process with 60,000 mappings: the rule streams smaps and keeps only the
 * executable file mappings, so audit finishes with the planted finding and a bounded peak
 * memory (holding smaps whole took 430 MB here). The process lives in a private PID namespace,
 * so other test files auditing the machine meanwhile never meet its 60,000 mappings. Needs root.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../src/model/finding.js";
import { runMeasured } from "../helpers/measured.js";
import { compileC } from "../helpers/native.js";
import { openPidNamespace, type PidNamespace } from "../helpers/pidns.js";

/** Half the mappings readable, half PROT_NONE between them (so none merge). max_map_count is 65530. */
const READABLE = 30_000;
/** Several times the 70 MB measured streamed; holding smaps whole peaked at 420-430 MB. */
const MEMORY_BOUND = 200 * 1024 * 1024;

/** Maps 2×N one-page regions, then writes one byte of its own code through /proc/self/mem. */
const MANY_MAPPINGS_PATCHED_C = String.raw`
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
__attribute__((noinline)) int target(void) { return 42; }
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 0;
  long page = sysconf(_SC_PAGESIZE);
  char *area = mmap(0, (size_t)n * 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (area == MAP_FAILED) { perror("mmap"); return 1; }
  for (int i = 0; i < n; i++)
    if (mprotect(area + (size_t)i * 2 * page, page, PROT_READ)) { perror("mprotect"); return 1; }
  int fd = open("/proc/self/mem", O_RDWR);
  unsigned char b;
  if (fd < 0 || pread(fd, &b, 1, (off_t)(uintptr_t)target) != 1) return 1;
  if (pwrite(fd, &b, 1, (off_t)(uintptr_t)target) != 1) { perror("pwrite"); return 1; }
  printf("ready %d\n", target());
  fflush(stdout);
  pause();
  return 0;
}
`;

let ns: PidNamespace;
let binary: string;
let pid: number;

beforeAll(async () => {
  binary = compileC("audit-many-mappings", MANY_MAPPINGS_PATCHED_C);
  ns = await openPidNamespace();
  const started = await ns.start("many", [binary, String(READABLE)]);
  expect(started.line).toBe("ready 42");
  pid = started.pid;
}, 120_000);

afterAll(async () => {
  await ns?.close();
});

describe("patched-code on a process with 60,000 mappings", () => {
  it("finds the patched code with a bounded peak memory", async () => {
    const result = await runMeasured(["audit", String(pid), "--rules", "patched-code", "--json"], { prefix: ns.enter });
    expect(result.code, result.stderr).toBe(0);
    const findings = JSON.parse(result.stdout) as Finding[];
    expect(findings.map((f) => [f.rule, f.pid])).toEqual([["patched-code", pid]]);
    const regions = (findings[0] as Finding).evidence.regions as { path: string; perms: string; anonymousBytes: number }[];
    expect(regions[0]).toMatchObject({ path: binary, perms: expect.stringMatching(/^r.xp$/) });
    expect(regions[0]?.anonymousBytes).toBeGreaterThan(0);
    expect(result.peakRssBytes).toBeLessThan(MEMORY_BOUND);
  }, 240_000);
});
