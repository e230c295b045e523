/**
 * The native fd-table reader (native/procscope.c) must give exactly what the TypeScript reader
 * gives, for every kind of fd and every listing's options; processes it cannot read cleanly are
 * handed back to the TypeScript reader.
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nativeHelper } from "../../src/access/native.js";
import { openProcFs, type ProcFs } from "../../src/access/proc-fs.js";
import { readFdTables } from "../../src/files/fd-tables.js";
import { LISTING_FDINFO, type ListOpenFilesOptions, listOpenFiles } from "../../src/files/fds.js";
import { createProcessContext } from "../../src/processes/context.js";
import { runBin } from "../helpers/cli.js";
import { type LiveProcess, repeatDuringChurn, startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";
import { readyNumbers, tempDir } from "./_helpers.js";

/** Every kind of fd procscope classifies, including the awkward ones. */
const MANY_KINDS_C = String.raw`
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>
int main(int argc, char **argv) {
  /* argv: dir, file, "not (deleted)" file, fifo, socket path, deleted file */
  int dir = open(argv[1], O_RDONLY | O_DIRECTORY);
  int file = open(argv[2], O_RDWR); if (lseek(file, 777, SEEK_SET) != 777) return 1;
  int odd = open(argv[3], O_RDONLY);
  int fifo = open(argv[4], O_RDWR | O_NONBLOCK);
  int sock_path = open(argv[5], O_PATH);
  int deleted = open(argv[6], O_RDONLY); unlink(argv[6]);
  int null = open("/dev/null", O_WRONLY);
  int ptmx = open("/dev/ptmx", O_RDWR | O_NOCTTY);
  int p[2]; if (pipe(p)) return 1;
  int sp[2]; if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sp)) return 1;
  int ev = eventfd(0, 0);
  int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
  sigset_t mask; sigemptyset(&mask); sigaddset(&mask, SIGUSR2);
  int sfd = signalfd(-1, &mask, 0);
  int mem = memfd_create("kinds", 0); if (ftruncate(mem, 8192)) return 1;
  int ns = open("/proc/self/ns/net", O_RDONLY);
  /* Names that are not ASCII: UTF-8, and bytes that are not UTF-8 at all. */
  int utf8 = openat(dir, "caf\xc3\xa9 \xe2\x9c\x93", O_RDWR | O_CREAT, 0600);
  int bad = openat(dir, "bad\xff\xfe", O_RDWR | O_CREAT, 0600);
  printf("ready dir=%d file=%d odd=%d fifo=%d sock=%d deleted=%d null=%d ptmx=%d pr=%d pw=%d s0=%d ev=%d tfd=%d sfd=%d mem=%d ns=%d utf8=%d bad=%d\n",
         dir, file, odd, fifo, sock_path, deleted, null, ptmx, p[0], p[1], sp[0], ev, tfd, sfd, mem, ns, utf8, bad);
  fflush(stdout);
  char c; while (read(0, &c, 1) > 0) {}
  return 0;
}
`;

const dir = tempDir();
const procFs = openProcFs();
const context = createProcessContext(procFs);
/** The same /proc, without the native helper. */
const jsOnly: ProcFs = new Proxy(procFs, {
  get(target, property) {
    if (property === "native") return () => ({ module: null, reason: "turned off by the test" });
    const value = Reflect.get(target, property);
    return typeof value === "function" ? value.bind(target) : value;
  },
});
const jsContext = createProcessContext(jsOnly);

let kinds: LiveProcess;
let fdOf: Record<string, number>;
let server: net.Server;

beforeAll(async () => {
  const odd = path.join(dir, "not (deleted)");
  const fifo = path.join(dir, "fifo");
  const socketPath = path.join(dir, "bound.sock");
  const doomed = path.join(dir, "doomed");
  fs.writeFileSync(path.join(dir, "data"), "x".repeat(5000));
  fs.writeFileSync(odd, "odd");
  fs.writeFileSync(doomed, "y".repeat(3000));
  fs.mkdirSync(path.join(dir, "sub"));
  await new Promise<void>((resolve) => {
    server = net.createServer().listen(socketPath, resolve);
  });
  const { execFileSync } = await import("node:child_process");
  execFileSync("mkfifo", [fifo]);
  kinds = await startProcess(
    compileC("many-kinds", MANY_KINDS_C),
    [path.join(dir, "sub"), path.join(dir, "data"), odd, fifo, socketPath, doomed],
    {
      ready: "ready",
    },
  );
  fdOf = readyNumbers(kinds.output());
});
afterAll(async () => {
  await kinds.kill();
  server.close();
});

const ALL = { stat: true, fdinfo: true, modeFromLink: false, fdinfoTypes: 0x3ff };

const OPTION_SETS: Record<string, ListOpenFilesOptions> = {
  "lsof (listing)": LISTING_FDINFO,
  "lsof --full / fds": {},
  "peers (fifo fdinfo, link modes)": { keepUnreadable: false, fdinfoTypes: ["fifo"], modeFromLink: true },
  "net (links only)": { fdinfo: false, stat: false, keepUnreadable: false },
};

describe("the native fd-table reader", () => {
  it("is built (npm run build compiles it)", () => {
    const { module, reason } = nativeHelper();
    if (!module) throw new Error(`${reason}: run \`npm run build\` (apt-get install gcc; Node's headers come with Node)`);
    expect([...(readFdTables(procFs, [kinds.pid], ALL) ?? [])]).toHaveLength(1);
  });

  for (const [name, options] of Object.entries(OPTION_SETS)) {
    it(`gives what the TypeScript reader gives: ${name}`, () => {
      // PID 1 cannot be read even by root here (it holds capabilities we lack): a "redo" case.
      const pids = [1, 2, kinds.pid];
      const native = listOpenFiles(context, { ...options, pids });
      const js = listOpenFiles(jsContext, { ...options, pids });
      expect(native).toEqual(js);
      const mine = native.find((p) => p.pid === kinds.pid);
      expect(mine?.fds?.length).toBeGreaterThanOrEqual(16);
    });
  }

  it("classifies every kind as the TypeScript reader does", () => {
    const [mine] = listOpenFiles(context, { pids: [kinds.pid] });
    const byFd = new Map(mine?.fds?.map((f) => [f.fd, f]));
    const typeOf = (key: string) => byFd.get(fdOf[key] as number)?.type;
    expect(["dir", "file", "file", "fifo", "socket", "file", "dev", "tty", "pipe", "pipe", "socket", "anon_inode", "anon_inode"]).toEqual(
      ["dir", "file", "odd", "fifo", "sock", "deleted", "null", "ptmx", "pr", "pw", "s0", "ev", "tfd"].map(typeOf),
    );
    expect(typeOf("mem")).toBe("memfd");
    expect(byFd.get(fdOf.file as number)).toMatchObject({ posBytes: 777, sizeBytes: 5000, mode: "u" });
    expect(byFd.get(fdOf.odd as number)).toMatchObject({ deleted: false, path: path.join(dir, "not (deleted)") });
    expect(byFd.get(fdOf.deleted as number)).toMatchObject({ deleted: true, sizeBytes: 3000 });
    expect(byFd.get(fdOf.ns as number)).toMatchObject({ type: "unknown", anonKind: "net" });
    // Text that is not ASCII comes through the native reader as decodeBytes decodes it.
    expect(byFd.get(fdOf.utf8 as number)?.path).toBe(path.join(dir, "sub", "café ✓"));
    expect(byFd.get(fdOf.bad as number)?.path).toBe(path.join(dir, "sub", "bad\\xff\\xfe"));
  });

  it("skips a process that is gone, as the TypeScript reader does", async () => {
    const short = await startProcess("sleep", ["30"]);
    const pid = short.pid;
    await short.kill();
    expect([...(readFdTables(procFs, [pid], ALL) ?? [])]).toEqual([{ pid, status: "gone" }]);
    expect(listOpenFiles(context, { pids: [pid] })).toEqual([]);
  });

  it("hands every process back once, in the order asked, even over many blocks and threads", () => {
    const pids = procFs.listPids().reverse();
    const seen = [...(readFdTables(procFs, pids, ALL) ?? [])].map((r) => r.pid);
    expect(seen).toEqual(pids);
    // A listing abandoned halfway (a caller that throws) leaves nothing stuck: the threads are
    // stopped and joined when the handle is collected, and a new listing works.
    const iterator = readFdTables(procFs, pids, ALL)?.[Symbol.iterator]();
    iterator?.next();
    expect([...(readFdTables(procFs, [kinds.pid], ALL) ?? [])].map((r) => r.pid)).toEqual([kinds.pid]);
  });

  it("lsof --json is the same with and without the helper", async () => {
    const args = ["lsof", "--json", "--pid", `1,2,${kinds.pid}`];
    const withHelper = await runBin(args);
    const without = await runBin(args, { env: { ...process.env, PROCSCOPE_NATIVE: "0" } });
    expect(withHelper.code).toBe(0);
    expect(without.code).toBe(0);
    expect(JSON.parse(withHelper.stdout)).toEqual(JSON.parse(without.stdout));
  });
});

const BIG_EPOLL_C = String.raw`
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
int main(void) {
  int ep = epoll_create1(0);
  for (int i = 0; i < 800; i++) {
    int e = eventfd(0, 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = e};
    if (e < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev)) return 1;
  }
  printf("ready ep=%d\n", ep);
  fflush(stdout);
  char c; while (read(0, &c, 1) > 0) {}
  return 0;
}
`;

describe("a process whose fdinfo is longer than the helper's buffer", () => {
  it("is handed back to the TypeScript reader, which gives the same listing", async () => {
    const big = await startProcess(compileC("big-epoll", BIG_EPOLL_C), [], { ready: "ready" });
    try {
      const ep = readyNumbers(big.output()).ep as number;
      // One line per watched fd: 800 of them make ~60 KB of fdinfo.
      expect(fs.readFileSync(`/proc/${big.pid}/fdinfo/${ep}`, "utf8").length).toBeGreaterThan(32 * 1024);
      expect([...(readFdTables(procFs, [big.pid], ALL) ?? [])]).toEqual([{ pid: big.pid, status: "redo" }]);
      const native = listOpenFiles(context, { pids: [big.pid] });
      expect(native).toEqual(listOpenFiles(jsContext, { pids: [big.pid] }));
      expect(native[0]?.fds?.find((f) => f.fd === ep)).toMatchObject({ type: "anon_inode", anonKind: "eventpoll", posBytes: 0 });
    } finally {
      await big.kill();
    }
  });
});

describe("fd listings under churn", () => {
  it("list every process's fds hundreds of times while processes start and exit: no crash, no errors", async () => {
    // Each short-lived child holds a pipe and a file, so it has fds to race for.
    await repeatDuringChurn(
      "sleep 0 < /etc/hostname | cat > /dev/null & wait",
      () => {
        for (const options of Object.values(OPTION_SETS)) {
          for (const p of listOpenFiles(context, options)) {
            expect(p.startTimeTicks).toBeGreaterThan(0);
            // Only PID 1 is unreadable here; a process that vanished is skipped, not reported.
            // (uses are not asked for here: null, with that as the reason)
            if (p.pid !== 1) expect(p.errors).toEqual({ uses: "read only when asking who holds a file" });
            for (const f of p.fds ?? []) expect(f.target).not.toBe("");
          }
        }
      },
      20,
      async () => {
        const results = await Promise.all([0, 1].map(() => runBin(["lsof", "--json"])));
        for (const result of results) {
          // Nothing on stderr but, where PID 1 is unreadable even to root (as above), the count of it.
          expect(result.stderr.replace(/^procscope: 1 process could not be read \(permission denied: [^\n]*\)\n$/, "")).toBe("");
          expect(result.code).toBe(0);
          expect(JSON.parse(result.stdout).length).toBeGreaterThan(10);
        }
      },
    );
  });
});
