/** C helpers for the threads tests: sleeping threads, threads that exit on request, a vfork parent in D. */
import { compileC } from "../helpers/native.js";

/** Main thread and 4 workers, all in nanosleep; prints "ready" once the workers run. */
export const SLEEPERS_C = `
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
static pthread_barrier_t started;
static void *sleeper(void *arg) {
  (void)arg;
  pthread_barrier_wait(&started);
  struct timespec t = { 1000, 0 };
  for (;;) nanosleep(&t, NULL);
  return NULL;
}
int main(void) {
  pthread_t threads[4];
  pthread_barrier_init(&started, NULL, 5);
  for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, sleeper, NULL);
  pthread_barrier_wait(&started);
  printf("ready\\n");
  fflush(stdout);
  struct timespec t = { 1000, 0 };
  for (;;) nanosleep(&t, NULL);
}
`;

/**
 * 4 workers that each exit when the file argv[1]/exit-N appears (polled every 2 ms); prints the
 * worker tids in creation order, then "ready".
 */
export const VANISHING_C = `
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
static const char *dir;
static pthread_barrier_t started;
static pid_t tids[4];
static void *worker(void *arg) {
  long index = (long)arg;
  char path[4096];
  snprintf(path, sizeof path, "%s/exit-%ld", dir, index);
  tids[index] = (pid_t)syscall(SYS_gettid);
  pthread_barrier_wait(&started);
  struct timespec t = { 0, 2000000 };
  while (access(path, F_OK) != 0) nanosleep(&t, NULL);
  return NULL;
}
int main(int argc, char **argv) {
  if (argc < 2) return 2;
  dir = argv[1];
  pthread_t threads[4];
  pthread_barrier_init(&started, NULL, 5);
  for (long i = 0; i < 4; i++) pthread_create(&threads[i], NULL, worker, (void *)i);
  pthread_barrier_wait(&started);
  printf("tids %d %d %d %d\\nready\\n", tids[0], tids[1], tids[2], tids[3]);
  fflush(stdout);
  for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
  struct timespec t = { 1000, 0 };
  for (;;) nanosleep(&t, NULL);
}
`;

/**
 * vfork(): the parent waits for the child in an uninterruptible (killable) sleep — state D —
 * until the child execs or exits; the child sleeps first. Prints "child PID" then "ready".
 */
export const VFORK_C = `
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(void) {
  char line[64];
  int n = snprintf(line, sizeof line, "parent %d\\n", (int)getpid());
  write(1, line, (size_t)n);
  pid_t child = vfork();
  if (child == 0) {
    /* Only raw system calls in the vfork child: it borrows the parent's memory and stack. */
    static const char ready[] = "ready\\n";
    syscall(SYS_write, 1, ready, sizeof ready - 1);
    struct timespec t = { 1000, 0 };
    syscall(SYS_nanosleep, &t, NULL);
    syscall(SYS_exit, 0);
  }
  return 0;
}
`;

export function sleepersBinary(): string {
  return compileC("threads-sleepers", SLEEPERS_C, ["-pthread"]);
}

export function vanishingBinary(): string {
  return compileC("threads-vanishing", VANISHING_C, ["-pthread"]);
}

export function vforkBinary(): string {
  return compileC("threads-vfork", VFORK_C);
}
