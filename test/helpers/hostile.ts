/**
 * Hostile processes for the reliability suite (test/hostile/): one C program, one mode per kind of
 * hostility. Each mode prints "ready MODE PID" once set up (fds adds the count it got), then waits.
 */

/** Modes: names, bigcmd, fds N, threads N, maps N, files DIR, storm N, canary DIR [ARGS...]. */
export const HOSTILE_SOURCE = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void ready(const char *what) { printf("ready %s %d\n", what, getpid()); fflush(stdout); }
static void *idle(void *arg) { (void)arg; for (;;) pause(); return 0; }
static int die(const char *what) { fprintf(stderr, "hostile: %s: %s\n", what, strerror(errno)); return 1; }

static int listen_unix(const char *path) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  strncpy(a.sun_path, path, sizeof a.sun_path - 1);
  unlink(path);
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 4) != 0) return -1;
  return s;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *mode = argv[1];
  if (!strcmp(mode, "names")) {
    /* Start again with an argv no shell or node would pass: newlines, escapes, ")", invalid UTF-8. */
    char *args[] = { "./hostile\n) (x", "names-ready", "line1\nline2", "\x1b[31mred\x1b[0m\x1b[2J", "a) b (c", "\xff\xfe\xc3(", "tab\there", "back\\x41slash", "", NULL };
    execv("/proc/self/exe", args);
    return die("execv");
  }
  if (!strcmp(mode, "names-ready")) {
    prctl(PR_SET_NAME, "n) (m\nx\xff\x1b[J");
    pthread_t t;
    pthread_create(&t, 0, idle, 0);
    pthread_setname_np(t, "t\n) (\xfe\x1b[2J");
    ready("names");
    for (;;) pause();
  }
  if (!strcmp(mode, "bigcmd")) {
    /* About 1 MiB of command line: one argument may not exceed 128 KiB, so nine of 120,000 bytes. */
    char *args[12];
    args[0] = "bigcmd";
    args[1] = "bigcmd-ready";
    for (int i = 0; i < 9; i++) {
      args[2 + i] = malloc(120001);
      memset(args[2 + i], 'A' + i, 120000);
      args[2 + i][120000] = 0;
    }
    args[11] = NULL;
    execv("/proc/self/exe", args);
    return die("execv");
  }
  if (!strcmp(mode, "bigcmd-ready")) { ready("bigcmd"); for (;;) pause(); }
  if (!strcmp(mode, "fds")) {
    /* Raising the hard limit needs CAP_SYS_RESOURCE: without it, as many as the hard limit allows. */
    int n = atoi(argv[2]);
    struct rlimit lim = { n + 64, n + 64 };
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
      if (errno != EPERM || getrlimit(RLIMIT_NOFILE, &lim) != 0) return die("setrlimit");
      lim.rlim_cur = lim.rlim_max;
      if (setrlimit(RLIMIT_NOFILE, &lim) != 0) return die("setrlimit");
      n = (int)lim.rlim_max - 64;
    }
    int base = open("/dev/null", O_RDONLY);
    if (base < 0) return die("open");
    for (int i = 1; i < n; i++) if (dup(base) < 0) return die("dup");
    printf("ready fds %d %d\n", getpid(), n);
    fflush(stdout);
    for (;;) pause();
  }
  if (!strcmp(mode, "threads")) {
    int n = atoi(argv[2]);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 16384);
    for (int i = 0; i < n; i++) {
      pthread_t t;
      int e = pthread_create(&t, &attr, idle, 0);
      if (e != 0) { errno = e; return die("pthread_create"); }
    }
    ready("threads");
    for (;;) pause();
  }
  if (!strcmp(mode, "maps")) {
    /* N pages with every other one read-only: the kernel cannot merge them, so N mappings. */
    long n = atol(argv[2]), page = sysconf(_SC_PAGESIZE);
    char *block = mmap(0, n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED) return die("mmap");
    for (long i = 1; i < n; i += 2) if (mprotect(block + i * page, page, PROT_READ) != 0) return die("mprotect");
    ready("maps");
    for (;;) pause();
  }
  if (!strcmp(mode, "files")) {
    /* A socket named with a newline, a deleted file named with a newline, an open file named with escapes. */
    char path[4096];
    snprintf(path, sizeof path, "%s/sock\nname", argv[2]);
    if (listen_unix(path) < 0) return die("socket");
    snprintf(path, sizeof path, "%s/del\nfile", argv[2]);
    int doomed = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (doomed < 0 || write(doomed, "deleted-but-held\n", 17) != 17) return die("deleted file");
    unlink(path);
    snprintf(path, sizeof path, "%s/esc\x1b[2Jname\xff", argv[2]);
    if (open(path, O_RDWR | O_CREAT, 0600) < 0) return die("escaped file");
    ready("files");
    for (;;) pause();
  }
  if (!strcmp(mode, "storm")) {
    /* Forks and exits as fast as it can, keeping up to N short-lived children (0-1 ms each); every
       8th child leaves an orphan grandchild behind, so some exits reparent as well. */
    int n = atoi(argv[2]), live = 0;
    long forks = 0;
    srand(getpid());
    for (;;) {
      while (live < n) {
        pid_t child = fork();
        if (child < 0) break;
        if (child == 0) {
          if (rand() % 8 == 0 && fork() == 0) _exit(0);
          usleep(rand() % 1000);
          _exit(0);
        }
        live++;
        if (++forks == 200) ready("storm");
      }
      if (waitpid(-1, 0, 0) > 0) live--;
    }
  }
  if (!strcmp(mode, "canary")) {
    char path[4096];
    snprintf(path, sizeof path, "%s/canary.sock", argv[2]);
    if (listen_unix(path) < 0) return die("socket");
    snprintf(path, sizeof path, "%s/canary.txt", argv[2]);
    if (open(path, O_RDWR | O_CREAT, 0600) < 0) return die("canary file");
    ready("canary");
    for (;;) pause();
  }
  return 2;
}
`;

/**
 * Runs a command and writes its peak resident set in KiB (getrusage of the child, from wait4) to
 * $PEAK_RSS_FILE; exits as the command did.
 */
export const PEAK_RSS_SOURCE = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
/* Runs a command and writes its peak resident set (KiB) to the file $PEAK_RSS_FILE. */
int main(int argc, char **argv) {
  pid_t child = fork();
  if (child == 0) { execvp(argv[1], argv + 1); perror("execvp"); _exit(127); }
  int status; struct rusage ru;
  if (wait4(child, &status, 0, &ru) < 0) { perror("wait4"); return 126; }
  FILE *f = fopen(getenv("PEAK_RSS_FILE"), "w");
  if (f) { fprintf(f, "%ld\n", ru.ru_maxrss); fclose(f); }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}
`;
