/**
 * The native helper's worker threads must leave nothing allocated behind them. Every listing
 * (each sample of `serve`'s event stream, of `top`, each exporter scrape) starts new workers; a
 * buffer a worker kept in thread-local storage outlived the thread, 16 KiB per worker per
 * sample, and `serve` grew by megabytes an hour.
 *
 * A node child reads the files and fd tables of processes the test started many times with
 * malloc interposed (LD_PRELOAD): the interposer counts the blocks the helper's code allocates on
 * threads other than the main one, and says at exit how many of them were never freed. Counting
 * blocks instead of watching the RSS makes the answer exact, whatever the allocator and the
 * garbage collector do.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";
import { repoPath } from "../helpers/repo.js";

const HELPER = repoPath("dist/native/procscope.node");

/**
 * Counts the blocks allocated from the helper's code (its return address within the mapping of
 * procscope.node, found when it is dlopen'ed) on any thread but the main one, and prints at exit
 * "helper worker blocks: MADE made, LIVE never freed".
 */
const COUNTING_MALLOC = String.raw`
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static uintptr_t helper_start, helper_end;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
#define SLOTS (1 << 18)
#define TOMBSTONE ((void *)1)
static void *blocks[SLOTS];
static long made, live, tracked_ever;

static int counted(void *caller) {
  uintptr_t at = (uintptr_t)caller;
  return at >= helper_start && at < helper_end && syscall(SYS_gettid) != getpid();
}
static size_t slot_of(void *p) { return (size_t)(((uintptr_t)p >> 4) * 2654435761u) % SLOTS; }
static void remember(void *p) {
  pthread_mutex_lock(&lock);
  size_t i = slot_of(p);
  while (blocks[i] != NULL && blocks[i] != TOMBSTONE) i = (i + 1) % SLOTS;
  blocks[i] = p;
  made++;
  live++;
  tracked_ever = 1;
  pthread_mutex_unlock(&lock);
}
static int forget(void *p) {
  if (!tracked_ever) return 0;
  pthread_mutex_lock(&lock);
  for (size_t i = slot_of(p); blocks[i] != NULL; i = (i + 1) % SLOTS)
    if (blocks[i] == p) {
      blocks[i] = TOMBSTONE;
      live--;
      pthread_mutex_unlock(&lock);
      return 1;
    }
  pthread_mutex_unlock(&lock);
  return 0;
}

void *malloc(size_t n) {
  void *p = __libc_malloc(n);
  if (p && counted(__builtin_return_address(0))) remember(p);
  return p;
}
void *calloc(size_t a, size_t b) {
  void *p = __libc_calloc(a, b);
  if (p && counted(__builtin_return_address(0))) remember(p);
  return p;
}
void *realloc(void *old, size_t n) {
  int was_counted = old != NULL && forget(old);
  void *p = __libc_realloc(old, n);
  if (p != NULL && (was_counted || counted(__builtin_return_address(0)))) {
    remember(p);
    if (was_counted) made--;
  } else if (p == NULL && was_counted && n != 0) {
    remember(old);
    made--;
  }
  return p;
}
void free(void *p) {
  if (p != NULL) forget(p);
  __libc_free(p);
}

static int find_helper(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  (void)data;
  if (info->dlpi_name == NULL || strstr(info->dlpi_name, "procscope.node") == NULL) return 0;
  uintptr_t start = UINTPTR_MAX, end = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *h = &info->dlpi_phdr[i];
    if (h->p_type != PT_LOAD) continue;
    uintptr_t from = info->dlpi_addr + h->p_vaddr;
    if (from < start) start = from;
    if (from + h->p_memsz > end) end = from + h->p_memsz;
  }
  helper_start = start;
  helper_end = end;
  return 1;
}

void *dlopen(const char *file, int flags) {
  void *(*real)(const char *, int) = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
  void *handle = real(file, flags);
  if (handle != NULL && file != NULL && strstr(file, "procscope.node") != NULL) dl_iterate_phdr(find_helper, NULL);
  return handle;
}

__attribute__((destructor)) static void report(void) {
  char line[128];
  int n = snprintf(line, sizeof line, "helper worker blocks: %ld made, %ld never freed\n", made, live);
  if (write(2, line, (size_t)n) < 0) _exit(1);
}
`;

/** The child: many readings of both kinds, as successive samples do, each read to its end. */
const READER = `
const helper = require(process.argv[1]);
const pids = Int32Array.from(process.argv.slice(3).map(Number));
const readings = Number(process.argv[2]);
let records = 0;
for (let i = 0; i < readings; i++) {
  for (const handle of [helper.openProcessFiles(pids, ["stat", "status", "io", "cmdline"], 4), helper.openFdTables(pids, 0, 0, 4)])
    for (let chunk = helper.nextRecords(handle); chunk !== null; chunk = helper.nextRecords(handle)) records += chunk.length > 0 ? 1 : 0;
}
console.log("blocks read", records);
`;

const PAUSE = `#include <stdio.h>
#include <unistd.h>
int main(void) { puts("ready"); fflush(stdout); pause(); return 0; }
`;

let sleepers: LiveProcess[] = [];
beforeAll(async () => {
  if (!fs.existsSync(HELPER)) throw new Error(`the native helper is needed here: build it with \`npm run build\` (${HELPER} is missing)`);
  const pause = compileC("preread-memory-pause", PAUSE);
  sleepers = await Promise.all(Array.from({ length: 4 }, () => startProcess(pause, [], { ready: "ready" })));
});

afterAll(async () => {
  await Promise.all(sleepers.map((s) => s.kill()));
});

describe("the native helper's workers", () => {
  it("free everything they allocate, reading after reading", () => {
    const counting = compileC("counting-malloc", COUNTING_MALLOC, ["-shared", "-fPIC", "-ldl"]);
    // Enough processes for several blocks of 16, so each reading runs on several workers.
    const pids = Array.from({ length: 80 }, (_, i) => sleepers[i % sleepers.length]?.pid ?? process.pid);
    const readings = 300;
    const child = spawnSync(process.execPath, ["-e", READER, HELPER, String(readings), ...pids.map(String)], {
      encoding: "utf8",
      env: { ...process.env, LD_PRELOAD: counting, NODE_OPTIONS: "" },
    });
    expect(child.status, child.stderr).toBe(0);
    // Every reading of both kinds handed over its 5 blocks.
    expect(child.stdout).toContain(`blocks read ${readings * 2 * 5}`);
    const counts = /helper worker blocks: (\d+) made, (\d+) never freed/.exec(child.stderr);
    expect(counts, child.stderr).not.toBeNull();
    // The workers did allocate (the interposer saw them), and gave every block back.
    expect(Number(counts?.[1])).toBeGreaterThanOrEqual(readings * 2 * 5);
    expect(Number(counts?.[2])).toBe(0);
  });
});
