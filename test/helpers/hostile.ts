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

/**
 * For the PID-reuse races (test/races/): "nsinit", PID 1 of a new PID namespace driven line by line
 * on stdin (start a process, swap one for a new process under the same PID via ns_last_pid, kill
 * one), and "victim MARKER LOG DELETED CONTENT", a process built so that two victims look alike to
 * every act but their start time: the marker at the same address (no ASLR), the log on fd 3, a
 * deleted file on fd 4.
 */
export const RACES_SOURCE = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/wait.h>
#include <unistd.h>

/* A victim: MARKER in a static buffer (the same address in every victim: no ASLR), LOG open as
   fd 3 and written to every 20 ms, a deleted file holding CONTENT as fd 4. */
static char marker[64];

static int victim(int argc, char **argv) {
  if (argc < 6) return 2;
  if (!(personality(0xffffffff) & ADDR_NO_RANDOMIZE)) {
    /* Start again without address randomisation, so both victims put the marker at one address. */
    personality(ADDR_NO_RANDOMIZE);
    execv("/proc/self/exe", argv);
    perror("execv");
    return 1;
  }
  strncpy(marker, argv[2], sizeof marker - 1);
  int log = open(argv[3], O_WRONLY | O_CREAT | O_APPEND, 0600);
  int doomed = open(argv[4], O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (log != 3 || doomed != 4) { fprintf(stderr, "victim: fds %d %d, not 3 4\n", log, doomed); return 1; }
  if (write(doomed, argv[5], strlen(argv[5])) < 0) return 1;
  unlink(argv[4]);
  printf("ready %p\n", (void *)marker);
  fflush(stdout);
  for (long i = 0;; i++) {
    dprintf(log, "%s %ld\n", marker, i);
    usleep(20000);
  }
}

struct slot { char id[32]; pid_t pid; };
static struct slot slots[64];
static int nslots;

static struct slot *find(const char *id) {
  for (int i = 0; i < nslots; i++) if (!strcmp(slots[i].id, id)) return &slots[i];
  return 0;
}

/* Starts argv with its stdout on a pipe, waits for its first line, returns its PID (or -1). */
static pid_t launch(char **args, char *line, size_t size) {
  int p[2];
  if (pipe(p) != 0) return -1;
  pid_t child = fork();
  if (child == 0) {
    dup2(p[1], 1);
    close(p[0]);
    close(p[1]);
    execv(args[0], args);
    _exit(127);
  }
  close(p[1]);
  FILE *f = fdopen(p[0], "r");
  if (!fgets(line, (int)size, f)) line[0] = 0;
  fclose(f);
  line[strcspn(line, "\n")] = 0;
  return child;
}

/* PID 1 of a new PID namespace, driven line by line on stdin; answers "ID ok ..." or "ID err ...":
     ID start ARGV...   start a process, answer its PID and first line of output
     ID swap OLD ARGV...  kill and reap slot OLD, make the next PID the same, start ARGV under it
     ID kill OLD        kill and reap slot OLD */
static int nsinit(void) {
  char buf[8192], line[512];
  signal(SIGPIPE, SIG_IGN);
  printf("ready nsinit\n");
  fflush(stdout);
  while (fgets(buf, sizeof buf, stdin)) {
    buf[strcspn(buf, "\n")] = 0;
    char *args[32];
    int n = 0;
    for (char *tok = strtok(buf, " "); tok && n < 31; tok = strtok(0, " ")) args[n++] = tok;
    args[n] = 0;
    if (n < 2) continue;
    const char *id = args[0], *verb = args[1];
    if (!strcmp(verb, "start") && n >= 3) {
      pid_t pid = launch(args + 2, line, sizeof line);
      struct slot *s = &slots[nslots++];
      snprintf(s->id, sizeof s->id, "%s", id);
      s->pid = pid;
      printf("%s ok %d %s\n", id, (int)pid, line);
    } else if ((!strcmp(verb, "swap") && n >= 4) || (!strcmp(verb, "kill") && n >= 3)) {
      struct slot *s = find(args[2]);
      if (!s) { printf("%s err no slot %s\n", id, args[2]); fflush(stdout); continue; }
      pid_t old = s->pid;
      kill(old, SIGKILL);
      if (waitpid(old, 0, 0) != old) { printf("%s err waitpid %d: %s\n", id, (int)old, strerror(errno)); fflush(stdout); continue; }
      if (!strcmp(verb, "kill")) { printf("%s ok %d\n", id, (int)old); fflush(stdout); continue; }
      FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "w");
      if (!f || fprintf(f, "%d", (int)old - 1) < 0 || fclose(f) != 0) { printf("%s err ns_last_pid: %s\n", id, strerror(errno)); fflush(stdout); continue; }
      pid_t pid = launch(args + 3, line, sizeof line);
      s->pid = pid;
      if (pid != old) printf("%s err got PID %d, not %d\n", id, (int)pid, (int)old);
      else printf("%s ok %d %s\n", id, (int)pid, line);
    } else printf("%s err bad command %s\n", id, verb);
    fflush(stdout);
    while (waitpid(-1, 0, WNOHANG) > 0) {}
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "victim")) return victim(argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "nsinit")) return nsinit();
  return 2;
}
`;
