/** A C worker for the exporter tests, installed under a name of our own so its group holds only what a test starts. */
import fs from "node:fs";
import path from "node:path";
import { compileC } from "../helpers/native.js";

/** C: burn_cpu(ms) spins until the process has used `ms` of CPU time (its own clock, whatever the load). */
export const BURN_CPU_C = String.raw`
#include <time.h>
static void burn_cpu(long ms) {
  struct timespec t;
  volatile unsigned long x = 0;
  for (;;) {
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    if (t.tv_sec * 1000 + t.tv_nsec / 1000000 >= ms) break;
    for (int i = 0; i < 100000; i++) x += i;
  }
}
`;

/**
 * argv: BURN_MS [EXTRA_FDS [EXTRA_THREADS]]. Opens EXTRA_FDS fds on /dev/null, starts
 * EXTRA_THREADS sleeping threads, prints "ready", burns BURN_MS ms of its own CPU time, prints
 * "burnt", then sleeps until killed.
 */
const WORKER = String.raw`${BURN_CPU_C}
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
static void *sleeper(void *arg) { (void)arg; for (;;) pause(); return NULL; }
int main(int argc, char **argv) {
  long ms = argc > 1 ? atol(argv[1]) : 0;
  int fds = argc > 2 ? atoi(argv[2]) : 0;
  int threads = argc > 3 ? atoi(argv[3]) : 0;
  for (int i = 0; i < fds; i++) if (open("/dev/null", O_RDONLY) < 0) return 1;
  for (int i = 0; i < threads; i++) { pthread_t t; if (pthread_create(&t, NULL, sleeper, NULL)) return 1; }
  printf("ready\n"); fflush(stdout);
  burn_cpu(ms);
  printf("burnt\n"); fflush(stdout);
  for (;;) pause();
}
`;

/** Copies the compiled worker to DIR/NAME (its comm becomes NAME) and returns the path. */
export function installWorker(dir: string, name: string): string {
  const target = path.join(dir, name);
  fs.copyFileSync(compileC("exporter-worker", WORKER, ["-pthread"]), target);
  fs.chmodSync(target, 0o755);
  return target;
}
