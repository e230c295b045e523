/** Live processes for the files tests: C helpers and paths under a per-file temp directory. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { compileC } from "../helpers/native.js";

/** A temp directory removed when the test file ends. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-files-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * holder FILE DELETED: opens FILE read-only at offset 12345, FILE again O_WRONLY|O_APPEND, a pipe
 * (both ends), an eventfd, a socketpair, a memfd, and DELETED (then unlinks it); prints the fd
 * numbers and waits for stdin to close.
 */
export const HOLDER_C = String.raw`
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int r = open(argv[1], O_RDONLY);
  if (r < 0 || lseek(r, 12345, SEEK_SET) != 12345) return 1;
  int a = open(argv[1], O_WRONLY | O_APPEND | O_NONBLOCK);
  int p[2]; if (pipe(p)) return 1;
  int e = eventfd(0, EFD_CLOEXEC);
  int sp[2]; if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp)) return 1;
  int m = memfd_create("procscope-test", 0);
  if (ftruncate(m, 4096)) return 1;
  int d = open(argv[2], O_RDONLY);
  if (d < 0 || unlink(argv[2])) return 1;
  printf("ready r=%d a=%d pr=%d pw=%d e=%d s0=%d s1=%d m=%d d=%d\n", r, a, p[0], p[1], e, sp[0], sp[1], m, d);
  fflush(stdout);
  char c; while (read(0, &c, 1) > 0) {}
  return 0;
}
`;

/** slowreader FILE CHUNK USEC: reads FILE CHUNK bytes at a time, sleeping USEC between reads. */
export const SLOW_READER_C = String.raw`
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int f = open(argv[1], O_RDONLY);
  if (f < 0) return 1;
  size_t chunk = strtoul(argv[2], 0, 10);
  useconds_t pause = strtoul(argv[3], 0, 10);
  char *buf = malloc(chunk);
  printf("ready fd=%d\n", f);
  fflush(stdout);
  while (read(f, buf, chunk) > 0) usleep(pause);
  return 0;
}
`;

export function holderBinary(): string {
  return compileC("files-holder", HOLDER_C);
}

export function slowReaderBinary(): string {
  return compileC("files-slow-reader", SLOW_READER_C);
}

/** Parses "ready a=1 b=2" into { a: 1, b: 2 }. */
export function readyNumbers(output: string): Record<string, number> {
  const line = output.split("\n").find((l) => l.startsWith("ready")) ?? "";
  const out: Record<string, number> = {};
  for (const m of line.matchAll(/(\w+)=(\d+)/g)) out[m[1] as string] = Number(m[2]);
  return out;
}
