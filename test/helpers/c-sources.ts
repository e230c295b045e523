/** C helpers shared by live tests. Each prints "ready <pid>" when set up, then waits. */

/** 3 extra threads, cwd and an env var as given, RLIMIT_NOFILE set to 123/456. */
export const THREADED_SLEEPER = String.raw`
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>
static void *idle(void *arg) { (void)arg; for (;;) pause(); return 0; }
int main(int argc, char **argv) {
  struct rlimit lim = { 123, 456 };
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0) { perror("setrlimit"); return 1; }
  if (argc > 1 && chdir(argv[1]) != 0) { perror("chdir"); return 1; }
  char *block = malloc(8 << 20);
  for (int i = 0; i < (8 << 20); i += 4096) block[i] = 1; /* 8 MiB resident */
  pthread_t t;
  for (int i = 0; i < 3; i++) pthread_create(&t, 0, idle, 0);
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (;;) pause();
}
`;

/** Forks a child that exits at once and never reaps it: a zombie for as long as this runs. */
export const ZOMBIE_MAKER = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(void) {
  pid_t child = fork();
  if (child == 0) _exit(0);
  usleep(50000);
  printf("ready %d\n", (int)child);
  fflush(stdout);
  for (;;) pause();
}
`;
