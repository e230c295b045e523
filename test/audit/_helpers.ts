/** Planted conditions for the audit tests: C helpers, waits with deadlines, and running `audit`. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect } from "vitest";
import type { Finding } from "../../src/model/finding.js";
import { runCli } from "../helpers/cli.js";

/** A temp directory removed when the test file ends. Call it outside tests (file or describe level). */
export function tempDir(prefix = "procscope-audit-"): string {
  // An afterAll registered while a test runs never runs: the directory would be left behind.
  if (expect.getState().currentTestName !== undefined)
    throw new Error("tempDir() was called inside a test, where its cleanup (afterAll) never runs: call it at file or describe level");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export { waitUntil } from "../helpers/wait.js";

export function exeOf(pid: number): string | null {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}

/** Runs `audit ARGS --json` in-process and returns the findings (asserting exit 0 unless told). */
export async function auditJson(
  args: readonly string[],
  expectedCode = 0,
): Promise<{ findings: Finding[]; stdout: string; stderr: string }> {
  const result = await runCli(["audit", ...args, "--json"]);
  expect(result.code, result.stderr).toBe(expectedCode);
  return { findings: JSON.parse(result.stdout) as Finding[], stdout: result.stdout, stderr: result.stderr };
}

/** RWX: maps one anonymous page read-write-execute, writes recognisable bytes, prints its address. */
export const RWX_C = String.raw`
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
int main(void) {
  unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  memcpy(p, "\x90\x90\x90\xcc\xc3\xde\xad\xbe\xef", 9);
  printf("addr %p\n", (void *)p);
  fflush(stdout);
  pause();
  return 0;
}
`;

/** memfd_create + fexecve of /bin/sleep: a program with no file. */
export const MEMFD_EXEC_C = String.raw`
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
extern char **environ;
int main(void) {
  int fd = memfd_create("audit-fileless", 0);
  int src = open("/bin/sleep", O_RDONLY);
  char buf[65536];
  ssize_t n;
  if (fd < 0 || src < 0) return 1;
  while ((n = read(src, buf, sizeof buf)) > 0) if (write(fd, buf, n) != n) return 1;
  close(src);
  char *args[] = {"sleep", "300", NULL};
  fexecve(fd, args, environ);
  perror("fexecve");
  return 1;
}
`;

/** Renames itself kworker/0:9 (prctl) and overwrites argv with "[kworker/0:9]". */
export const FAKE_KWORKER_C = String.raw`
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv) {
  char *end = argv[argc - 1] + strlen(argv[argc - 1]);
  size_t room = (size_t)(end - argv[0]);
  const char *name = "[kworker/0:9]";
  if (room < strlen(name)) return 2;
  memset(argv[0], 0, room);
  memcpy(argv[0], name, strlen(name));
  prctl(PR_SET_NAME, "kworker/0:9", 0, 0, 0);
  printf("ready\n");
  fflush(stdout);
  pause();
  return 0;
}
`;

/** Writes one byte of its own code through /proc/self/mem (the same byte: the page is copied anyway). */
export const PATCH_SELF_C = String.raw`
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
__attribute__((noinline)) int target(void) { return 42; }
int main(void) {
  int fd = open("/proc/self/mem", O_RDWR);
  unsigned char b;
  if (fd < 0 || pread(fd, &b, 1, (off_t)(uintptr_t)target) != 1) return 1;
  if (pwrite(fd, &b, 1, (off_t)(uintptr_t)target) != 1) { perror("pwrite"); return 1; }
  printf("patched %p %d\n", (void *)target, target());
  fflush(stdout);
  pause();
  return 0;
}
`;

/** Reads a line from stdin into the heap (strdup), wipes the stack copy, waits. */
export const HEAP_SECRET_C = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(void) {
  char line[256];
  if (!fgets(line, sizeof line, stdin)) return 1;
  char *copy = strdup(line);
  memset(line, 0, sizeof line);
  printf("ready %p\n", (void *)copy);
  fflush(stdout);
  pause();
  return 0;
}
`;

/** An empty shared library for LD_PRELOAD. */
export const EMPTY_LIB_C = "int procscope_audit_preload_marker = 1;\n";

/** A random AWS-style access key id (never in any file: the test makes it up). */
export function randomAwsKey(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let key = "AKIA";
  for (let i = 0; i < 16; i++) key += alphabet[Math.floor(Math.random() * alphabet.length)];
  return key;
}
