/**
 * files: `procscope lsof --json` and `procscope peers` against `lsof -n -P`, with 1000 extra idle
 * processes holding a file, a pipe and a socketpair each. Runnable alone: node bench/files.mjs
 */
import { spawn } from "node:child_process";
import { BIN, compile, requireTool, timeCommand, timeCommandsInTurn } from "./_util.mjs";

const HOLDERS_C = `
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  for (int i = 0; i < n; i++) {
    if (fork() == 0) {
      int p[2], s[2];
      open("/etc/hostname", O_RDONLY);
      if (pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, s)) return 1;
      for (;;) pause();
    }
  }
  puts("ready"); fflush(stdout);
  for (;;) pause();
}
`;

/**
 * The practical limit: the reads `procscope lsof` makes (stat, the fd links, a stat through path
 * links, fdinfo for files, the link's mode for the rest but sockets), in C, on one thread.
 */
const SAME_READS_C = `
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
  DIR *proc = opendir("/proc"); struct dirent *e; char path[512], buf[8192]; long fds = 0;
  while ((e = readdir(proc))) {
    int pid = atoi(e->d_name); if (pid <= 0) continue;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int f = open(path, O_RDONLY); if (f < 0) continue; if (read(f, buf, sizeof buf) < 0) return 1; close(f);
    struct stat st; snprintf(path, sizeof path, "/proc/%d", pid); stat(path, &st);
    snprintf(path, sizeof path, "/proc/%d/fd", pid);
    DIR *d = opendir(path); if (!d) continue; struct dirent *g;
    while ((g = readdir(d))) {
      if (g->d_name[0] == '.') continue;
      snprintf(path, sizeof path, "/proc/%d/fd/%s", pid, g->d_name);
      ssize_t n = readlink(path, buf, sizeof buf); if (n < 0) continue; fds++;
      if (buf[0] == '/') {
        stat(path, &st);
        snprintf(path, sizeof path, "/proc/%d/fdinfo/%s", pid, g->d_name);
        f = open(path, O_RDONLY); if (f >= 0) { if (read(f, buf, sizeof buf) < 0) return 1; close(f); }
      } else if (strncmp(buf, "socket:[", 8) != 0) lstat(path, &st); /* a socket is always read-write */
    }
    closedir(d);
  }
  printf("%ld\\n", fds); return 0;
}
`;

async function startHolders(count) {
  const forker = spawn(compile("files-holders", HOLDERS_C), [String(count)], { detached: true, stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    forker.stdout.on("data", (d) => d.toString().includes("ready") && resolve());
    forker.once("exit", () => reject(new Error("holder forker exited early")));
  });
  return {
    stop() {
      try {
        process.kill(-forker.pid, "SIGKILL");
      } catch {}
    },
  };
}

export async function run(report) {
  requireTool("lsof", "lsof");
  const holders = await startHolders(1000);
  try {
    const runs = 11;
    const [lsof, ours, table] = timeCommandsInTurn(
      [
        { command: "lsof", args: ["-n", "-P"] },
        { command: process.execPath, args: [BIN, "lsof", "--json"] },
        { command: process.execPath, args: [BIN, "lsof"] },
      ],
      runs,
    );
    report("lsof --json, 1000 extra processes x 6 fds", { ours, peer: lsof, peerName: "lsof -n -P", note: "goal >= 2x" });
    report("lsof (table)", { ours: table, peer: lsof, peerName: "lsof -n -P", note: "goal >= 2x" });
    // Context for the figure above: the same command without the native helper, and the same
    // reads in C on one thread (no output), which is what any single-threaded reader must pay.
    const jsOnly = timeCommand(process.execPath, [BIN, "lsof", "--json"], runs, { PROCSCOPE_NATIVE: "0" });
    report("lsof --json without the native helper", { ours: jsOnly, peer: lsof, peerName: "lsof -n -P" });
    const sameReads = timeCommand(compile("files-same-reads", SAME_READS_C), [], runs);
    report("lsof --json vs its reads in C (one thread)", { ours, peer: sameReads, peerName: "C, same reads, no output" });
    const peers = timeCommand(process.execPath, [BIN, "peers"], runs);
    report("peers (pipes, FIFOs, sockets joined)", { ours: peers, peer: lsof, peerName: "lsof -n -P", note: "goal >= 1x" });
    const ss = timeCommand("ss", ["-a", "-n", "-p"], runs);
    const net = timeCommand(process.execPath, [BIN, "net"], runs);
    report("net (all sockets with their processes)", { ours: net, peer: ss, peerName: "ss -a -n -p" });
  } finally {
    holders.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printReport } = await import("./run.mjs");
  await printReport([run]);
}
