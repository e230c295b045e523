/**
 * A C program with known memory for the memory tests: a 4 MiB read-write region fenced by
 * PROT_NONE pages (so it is its own VMA and 1 MiB chunk edges fall at known offsets), needles that
 * straddle those edges, a UTF-16LE string, heap strings, and a private file mapping that runs three
 * pages past the end of its one-page file (unreadable: EIO).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";

const SOURCE = String.raw`
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>
#define MIB (1024 * 1024)
int main(int argc, char **argv) {
  char *fence = mmap(0, 6 * MIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *big = fence + MIB;
  mprotect(big, 4 * MIB, PROT_READ | PROT_WRITE);
  memset(big, 0, 4 * MIB);
  memcpy(big + MIB - 5, "STRADDLE-NEEDLE", 15);             /* across the 1 MiB chunk edge */
  memcpy(big + 2 * MIB - 6, "EDGE-RUN-ACROSS-CHUNKS", 22);   /* a printable run across the 2 MiB edge */
  memcpy(big + 3 * MIB + 100, "\xde\xad\xbe\xef\x01\x02", 6);
  const char *w = "WideString";
  for (int i = 0; w[i]; i++) { big[3 * MIB + 200 + 2 * i] = w[i]; big[3 * MIB + 201 + 2 * i] = 0; }
  memcpy(big + 3 * MIB + 400, "MixedCase-Token-77", 18);
  memcpy(big + 3 * MIB + 500, "order-4711-paid", 15);
  char *h1 = malloc(64); strcpy(h1, "HEAPSTRING-ONE");
  char *h2 = malloc(64); strcpy(h2, "HEAPSTRING-TWO");
  int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (write(fd, "FILEPAGE", 8) != 8) return 1;
  ftruncate(fd, 4096);
  char *file = mmap(0, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  printf("big=%p heap1=%p heap2=%p file=%p\n", (void *)big, (void *)h1, (void *)h2, (void *)file);
  fflush(stdout);
  for (;;) pause();
}
`;

export interface Target {
  readonly process: LiveProcess;
  readonly pid: number;
  readonly big: bigint;
  readonly heap1: bigint;
  readonly heap2: bigint;
  readonly file: bigint;
  readonly filePath: string;
}

export const MIB = 1024 * 1024;

export async function startTarget(): Promise<Target> {
  const binary = compileC("memory-target", SOURCE);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-mem-"));
  const filePath = path.join(dir, "backing.bin");
  const live = await startProcess(binary, [filePath], { ready: /file=0x[0-9a-f]+\n/ });
  const out = live.output();
  const field = (name: string) => BigInt(new RegExp(`${name}=(0x[0-9a-f]+)`).exec(out)?.[1] as string);
  return { process: live, pid: live.pid, big: field("big"), heap1: field("heap1"), heap2: field("heap2"), file: field("file"), filePath };
}
