/**
 * The Low batch of issue 14, each against real processes started here: what a new user met that
 * said the wrong thing (a PID that never existed "exited", a zombie "running in user space"...).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { main } from "../../src/cli/main.js";
import { readFileUses } from "../../src/files/fds.js";
import { ZOMBIE_MAKER } from "../helpers/c-sources.js";
import { runBin, runCli } from "../helpers/cli.js";
import { type LiveProcess, startProcess, unusedPid } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";
import { runAsNobody } from "../helpers/unprivileged.js";
import { waitUntil } from "../helpers/wait.js";

const isRoot = process.geteuid?.() === 0;
const MARKER = `psc-low-marker-${process.pid}`;
let zombieParent: LiveProcess;
let zombie: number;
let marked: LiveProcess;

beforeAll(async () => {
  zombieParent = await startProcess(compileC("zombie-maker", ZOMBIE_MAKER), [], { ready: /ready \d+/ });
  zombie = Number(/ready (\d+)/.exec(zombieParent.output())?.[1]);
  // A shell keeps its argv: its command line holds the marker.
  marked = await startProcess("sh", ["-c", "echo ready; while :; do sleep 1; done", MARKER], { ready: "ready" });
});
afterAll(async () => {
  await zombieParent?.kill();
  await marked?.kill();
});

describe("PIDs", () => {
  it("a PID that does not exist is 'no such process' (exit 3), not 'exited', for show, ps --pid and lsof --pid alike", async () => {
    const pid = unusedPid();
    for (const argv of [
      ["show", String(pid)],
      ["ps", "--pid", String(pid)],
      ["lsof", "--pid", String(pid)],
      ["tree", String(pid)],
    ]) {
      const result = await runCli(argv);
      expect(result.code, argv.join(" ")).toBe(3);
      expect(result.stderr, argv.join(" ")).toBe(`procscope: no such process ${pid}\n`);
    }
  });

  it("--pid 5,5 lists the process once", async () => {
    const result = await runCli(["ps", "--pid", `${marked.pid},${marked.pid}`, "--json"]);
    expect((JSON.parse(result.stdout) as { pid: number }[]).map((p) => p.pid)).toEqual([marked.pid]);
  });

  it("ps --user with a name no one has is an error (exit 2), not an empty table", async () => {
    const result = await runCli(["ps", "--user", "no-such-user-procscope"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no user named "no-such-user-procscope"/);
  });
});

describe("filters do not list procscope itself", () => {
  it("ps FILTER and top --once --filter list the process whose command line matches, not procscope", async () => {
    const ps = await runBin(["ps", MARKER, "--json"]);
    expect(ps.code).toBe(0);
    expect((JSON.parse(ps.stdout) as { pid: number }[]).map((p) => p.pid)).toEqual([marked.pid]);
    const top = await runBin(["top", "--once", "--interval", "100", "--filter", MARKER, "--json"]);
    expect(top.code).toBe(0);
    expect((JSON.parse(top.stdout) as { processes: { pid: number }[] }).processes.map((p) => p.pid)).toEqual([marked.pid]);
  });
});

describe("zombies and kernel threads", () => {
  it.runIf(isRoot)("a zombie's stack is null with the reason, not 'running in user space'", async () => {
    const json = await runCli(["stack", String(zombie), "--json"]);
    expect(json.code).toBe(0);
    const [thread] = (JSON.parse(json.stdout) as { threads: { stack: unknown; errors: Record<string, string> }[] }).threads;
    expect(thread?.stack).toBeNull();
    expect(thread?.errors.stack).toMatch(/zombie/);
    const table = await runCli(["stack", String(zombie)]);
    expect(table.stdout).not.toMatch(/user space/);
    expect(table.stdout).toMatch(/zombie/);
  });

  it("follow ZOMBIE says it is a zombie, not that it has no fd 2", async () => {
    const result = await runCli(["follow", String(zombie)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`process ${zombie} is a zombie`));
  });

  it("a kernel thread's environ says it has none, not 'zombie or exiting'", async () => {
    // kthreadd is PID 2 outside a PID namespace.
    if (fs.readFileSync("/proc/2/comm", "utf8").trim() !== "kthreadd") return;
    const json = JSON.parse((await runCli(["show", "2", "--json"])).stdout) as { environ: unknown; errors: Record<string, string> };
    expect(json.environ).toBeNull();
    expect(json.errors.environ).toMatch(/kernel thread has no environment/);
    const field = await runCli(["show", "2", "--field", "environ"]);
    expect(field.stderr).toMatch(/kernel thread has no environment/);
    expect(field.stderr).not.toMatch(/zombie/);
  });

  it.runIf(isRoot)("wchan of another user's sleeping process is null with the reason, not 'not waiting'", async () => {
    const result = await runAsNobody(["threads", String(marked.pid), "--json"]);
    expect(result.code).toBe(0);
    const [thread] = JSON.parse(result.stdout) as { wchan: string | null; errors: Record<string, string> }[];
    expect(thread?.wchan).toBeNull();
    expect(thread?.errors.wchan).toMatch(/permission denied/);
    // As root, the same thread waits somewhere named.
    const mine = JSON.parse((await runCli(["threads", String(marked.pid), "--json"])).stdout) as { wchan: string | null; state: string }[];
    if (mine[0]?.state === "S") expect(mine[0]?.wchan).not.toBeNull();
  });
});

describe("options that cannot work say so", () => {
  it("read --raw --json is a usage error", async () => {
    const result = await runCli(["read", String(marked.pid), "0x1000", "16", "--raw", "--json"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--raw and --json cannot be combined/);
  });

  it("sysctl vm.drop_caches says it is write-only", async () => {
    const result = await runCli(["sysctl", "vm.drop_caches"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/vm\.drop_caches is write-only/);
  });

  it("dump -o /proc/x says the directory cannot be created there, not a raw ENOENT", async () => {
    const result = await runCli(["dump", String(marked.pid), "-o", "/proc/x"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot create the dump directory "\/proc\/x"/);
    expect(result.stderr).not.toMatch(/ENOENT/);
  });
});

describe("--root", () => {
  it("a missing path, a regular file, an empty or an unrelated directory and a FIFO: one line saying what --root takes, exit 2", async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-low-root-"));
    const file = path.join(base, "notes.txt");
    fs.writeFileSync(file, "hello");
    const empty = path.join(base, "empty");
    fs.mkdirSync(empty);
    const unrelated = path.join(base, "unrelated");
    fs.mkdirSync(unrelated);
    fs.writeFileSync(path.join(unrelated, "readme"), "hi");
    const fifo = path.join(base, "fifo");
    execFileSync("mkfifo", [fifo]);
    try {
      for (const [root, why] of [
        [path.join(base, "missing"), "does not exist"],
        [path.join(file, "below-a-file"), "does not exist"],
        [file, "is a file, not a capture tarball"],
        [empty, "is an empty directory"],
        [unrelated, "is neither a capture"],
        [fifo, "is neither a directory nor a file"],
      ] as const) {
        for (const argv of [["show", "1"], ["ps"], ["lsof"], ["sys"]]) {
          const result = await runCli([...argv, "--root", root]);
          const what = `${argv.join(" ")} --root ${root}`;
          expect(result.code, what).toBe(2);
          expect(result.stdout, what).toBe("");
          expect(result.stderr, what).toMatch(
            new RegExp(
              `^procscope: "${root}" ${why}.*; --root takes /proc, a /proc tree, or a capture \\(a directory or a \\.tar\\.gz\\)\n$`,
            ),
          );
          expect(result.stderr, what).not.toMatch(/exited|no such process/);
        }
      }
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});

describe("journal errors as a user who cannot write there", () => {
  it.runIf(isRoot)(
    "replace with the default journal under a home it cannot write, and undo of a journal it cannot write: exit 4 naming --journal, nothing written",
    async () => {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-low-home-")); // root's, 0700
      const shared = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-low-journal-"));
      fs.chmodSync(shared, 0o777);
      // A shell keeps its argv: its command line holds the marker, in memory the user may write.
      const target = await startProcess("sh", ["-c", "echo ready; while :; do sleep 1; done", MARKER], {
        uid: 65534,
        gid: 65534,
        ready: "ready",
      });
      try {
        const cmdline = () => fs.readFileSync(`/proc/${target.pid}/cmdline`, "latin1");
        const replace = await runAsNobody(["replace", String(target.pid), MARKER, MARKER.toUpperCase(), "--yes"], { env: { HOME: home } });
        expect(replace.code).toBe(4);
        expect(replace.stderr).toMatch(
          new RegExp(
            `^procscope: cannot create journal "${home}/\\.local/state/procscope/journal-${target.pid}-\\d+\\.jsonl": permission denied \\(not writable by uid 65534\\); .*--journal PATH.*\\n$`,
          ),
        );
        expect(cmdline()).toContain(MARKER);

        // A journal it wrote itself, then made read-only: undo refuses before touching memory.
        const journal = path.join(shared, "j.jsonl");
        const applied = await runAsNobody(["replace", String(target.pid), MARKER, MARKER.toUpperCase(), "--yes", "--journal", journal]);
        expect(applied.code).toBe(0);
        expect(cmdline()).toContain(MARKER.toUpperCase());
        fs.chownSync(journal, 0, 0);
        fs.chmodSync(journal, 0o644);
        const undo = await runAsNobody(["undo", journal]);
        expect(undo.code).toBe(4);
        expect(undo.stderr).toBe(
          `procscope: cannot write journal "${journal}": permission denied (not writable by uid 65534); replace and write take --journal PATH to keep the journal where you can read and write it\n`,
        );
        expect(cmdline()).toContain(MARKER.toUpperCase());
      } finally {
        await target.kill();
        fs.rmSync(home, { recursive: true, force: true });
        fs.rmSync(shared, { recursive: true, force: true });
      }
    },
  );
});

describe("readable text, not JSON blobs", () => {
  it("show --field status,namespaces prints key: value lines and a table, no JSON", async () => {
    const result = await runCli(["show", String(marked.pid), "--field", "status,namespaces,nsPid"]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/[{[]"/);
    const lines = result.stdout.split("\n");
    const uid = process.getuid?.() ?? 0;
    expect(lines.slice(lines.indexOf("status:"), lines.indexOf("status:") + 3)).toEqual(["status:", "  uids:", `    real:       ${uid}`]);
    const rss = Number(/^ {2}vmRssBytes: +(\d+)$/m.exec(result.stdout)?.[1]);
    expect(rss).toBeGreaterThan(0);
    expect(result.stdout).toMatch(/^ {2}groups: +\S/m);
    const mnt = fs.readlinkSync(`/proc/${marked.pid}/ns/mnt`).replace(/\D/g, "");
    expect(result.stdout).toMatch(new RegExp(`^namespaces:\\n {2}type +inode\\n[\\s\\S]*^ {2}mnt +${mnt}$`, "m"));
    expect(result.stdout).toMatch(new RegExp(`^nsPid: ${marked.pid}$`, "m"));
  });
});

/** 64 MiB of untouched private memory in 16 mappings: a dump of it takes many progress steps. */
const MANY_MAPPINGS_C = String.raw`
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
int main(void) {
  for (int i = 0; i < 16; i++) {
    // PROT_READ then PROT_WRITE on alternate ones: neighbours do not merge into one mapping.
    int prot = i % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
    if (mmap(NULL, 4 << 20, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) == MAP_FAILED) return 1;
  }
  printf("ready\n");
  fflush(stdout);
  for (;;) pause();
}
`;

describe("dump cut short", () => {
  it("a process that exits during the dump: exit 3 and one line saying it was cut short and how much was written", async () => {
    const target = await startProcess(compileC("many-mappings", MANY_MAPPINGS_C), [], { ready: "ready" });
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "procscope-low-dump-")), "dump");
    let stdout = "";
    let stderr = "";
    let killed = false;
    try {
      const code = await main(["dump", String(target.pid), "-o", out], {
        stdout: (text) => {
          stdout += text;
        },
        stderr: (text) => {
          // The first progress line: end the process now, and wait until its memory is gone.
          if (!killed && text.includes("dumping")) {
            killed = true;
            process.kill(target.pid, "SIGKILL");
            const state = () => {
              try {
                return fs.readFileSync(`/proc/${target.pid}/stat`, "utf8").split(") ")[1]?.[0];
              } catch {
                return "gone";
              }
            };
            const deadline = Date.now() + 10_000;
            while (state() !== "Z" && state() !== "gone" && Date.now() < deadline) {}
            return;
          }
          if (!text.startsWith("\r") && text !== "\n") stderr += text;
        },
        isTTY: true,
        columns: 100,
        env: {},
        signal: new AbortController().signal,
      });
      expect(killed).toBe(true);
      expect(code).toBe(3);
      expect(stdout).toBe("");
      const index = JSON.parse(fs.readFileSync(path.join(out, "index.json"), "utf8")) as {
        exited: boolean;
        totalBytes: number;
        regions: unknown[];
      };
      expect(index.exited).toBe(true);
      const regions = index.regions.length;
      expect(stderr).toBe(
        `procscope: dump of process ${target.pid} cut short: it exited during the dump; kept ${regions} region${regions === 1 ? "" : "s"} (${index.totalBytes} bytes written) in ${out}\n`,
      );
    } finally {
      await target.kill();
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
});

describe("counts in messages", () => {
  it("one of a thing is singular: recover of a 1-byte file says 1 byte, top's Summary 1 variable", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-low-plural-"));
    const file = path.join(dir, "one-byte");
    fs.writeFileSync(file, "x");
    const holder = await startProcess("sh", ["-c", `exec 3<"$0"; rm "$0"; echo ready; exec env -i ONLY=1 sleep 300`, file], {
      ready: "ready",
      env: { ONLY: "1" },
    });
    try {
      const out = path.join(dir, "copy");
      const result = await runCli(["recover", String(holder.pid), "3", "-o", out]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^recovered 1 byte from fd 3 of process ${holder.pid} `));
      await waitUntil("sleep to run", () => fs.readFileSync(`/proc/${holder.pid}/cmdline`, "latin1").startsWith("sleep\0"));
      const { detailLines } = await import("../../src/live/details.js");
      const { createProcessContext } = await import("../../src/processes/context.js");
      const { openProcFs } = await import("../../src/access/proc-fs.js");
      const summary = await detailLines(createProcessContext(openProcFs()), holder.pid, 0);
      expect(summary).toContain("environ: 1 variable");
    } finally {
      await holder.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

const PAUSE_C = `#include <stdio.h>
#include <unistd.h>
int main(void) { puts("ready"); fflush(stdout); pause(); return 0; }
`;

describe("text that is not UTF-8 in JSON", () => {
  it("ps, show and top --json keep an argument with byte 0xff recoverable in rawBase64; a real backslash-x has no twin", async () => {
    const pause = compileC("low-pause", PAUSE_C);
    // Byte 0xff is not UTF-8; "\\xff" is the same four characters the text shows for it.
    const process0xff = await startProcess("sh", ["-c", 'exec "$0" "$(printf "a\\377b")" "\\xff"', pause], { ready: "ready" });
    try {
      const pid = process0xff.pid;
      const raw = fs.readFileSync(`/proc/${pid}/cmdline`);
      expect(raw.includes(Buffer.from([0x61, 0xff, 0x62, 0]))).toBe(true);
      const expected = { cmdline: [null, Buffer.from([0x61, 0xff, 0x62]).toString("base64"), null] };
      for (const argv of [
        ["ps", "--pid", String(pid), "--json"],
        ["top", "--once", "--interval", "100", "--json"],
      ]) {
        const result = await runCli(argv);
        expect(result.code, argv.join(" ")).toBe(0);
        const parsed = JSON.parse(result.stdout) as
          | { pid: number; cmdline: string[]; rawBase64?: unknown }[]
          | { processes: { pid: number; cmdline: string[]; rawBase64?: unknown }[] };
        const list = Array.isArray(parsed) ? parsed : parsed.processes;
        const row = list.find((p) => p.pid === pid);
        // The text cannot tell the bad byte from a real backslash: the twin can.
        expect(row?.cmdline.slice(1), argv.join(" ")).toEqual(["a\\xffb", "\\xff"]);
        expect(row?.rawBase64, argv.join(" ")).toEqual(expected);
        const twin = (row?.rawBase64 as typeof expected | undefined)?.cmdline[1];
        const bytes = Buffer.from(twin ?? "", "base64");
        expect([...bytes]).toEqual([0x61, 0xff, 0x62]);
      }
      const show = JSON.parse((await runCli(["show", String(pid), "--json"])).stdout) as { rawBase64?: unknown };
      expect(show.rawBase64).toEqual(expected);
      // A process whose text is all UTF-8 has no rawBase64.
      const plainShow = JSON.parse((await runCli(["show", String(marked.pid), "--json"])).stdout) as Record<string, unknown>;
      expect(plainShow).not.toHaveProperty("rawBase64");
      const plain = JSON.parse((await runCli(["ps", "--pid", String(marked.pid), "--json"])).stdout) as Record<string, unknown>[];
      expect(plain[0]).not.toHaveProperty("rawBase64");
    } finally {
      await process0xff.kill();
    }
  });
});

describe("a name and an environment that are not UTF-8", () => {
  it("comm (run through a link named p\\xffq) and an environ name and value with 0xff have their twins in ps, show and threads", async () => {
    const pause = compileC("low-pause", PAUSE_C);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-low-comm-"));
    const link = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0x70, 0xff, 0x71])]);
    fs.symlinkSync(pause, link);
    // Node would write a path argument as UTF-8: the shell makes the 0xff byte itself.
    const holder = await startProcess(
      "sh",
      ["-c", 'exec env -i "V=$(printf "v\\377")" W=fine "$(printf "N\\377")=x" "$0/$(printf "p\\377q")"', dir],
      {
        ready: "ready",
      },
    );
    try {
      const pid = holder.pid;
      expect([...fs.readFileSync(`/proc/${pid}/comm`)]).toEqual([0x70, 0xff, 0x71, 0x0a]);
      const commTwin = Buffer.from([0x70, 0xff, 0x71]).toString("base64");
      const [row] = JSON.parse((await runCli(["ps", "--pid", String(pid), "--json"])).stdout) as {
        comm: string;
        rawBase64?: Record<string, unknown>;
      }[];
      expect(row?.comm).toBe("p\\xffq");
      expect(row?.rawBase64?.comm).toBe(commTwin);
      const show = JSON.parse((await runCli(["show", String(pid), "--json"])).stdout) as {
        environ: Record<string, string>;
        rawBase64?: Record<string, unknown>;
      };
      expect(show.environ).toEqual({ V: "v\\xff", W: "fine", "N\\xff": "x" });
      expect(show.rawBase64?.comm).toBe(commTwin);
      expect(show.rawBase64?.environ).toEqual({ V: Buffer.from([0x76, 0xff]).toString("base64") });
      expect(show.rawBase64?.environNames).toEqual({ "N\\xff": Buffer.from([0x4e, 0xff]).toString("base64") });
      // Its one thread has the same name, with the same twin.
      const [thread] = JSON.parse((await runCli(["threads", String(pid), "--json"])).stdout) as {
        comm: string;
        rawBase64?: Record<string, unknown>;
      }[];
      expect(thread?.comm).toBe("p\\xffq");
      expect(thread?.rawBase64).toEqual({ comm: commTwin });
    } finally {
      await holder.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Opens and maps DIR/f<0xff>g (creating it), then deletes DIR/d<0xff>e after opening it: two fds and a map whose paths are not UTF-8. */
const BAD_NAMES_C = String.raw`
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
int main(int argc, char **argv) {
  char kept[4096], doomed[4096];
  snprintf(kept, sizeof kept, "%s/f\xffg", argv[1]);
  snprintf(doomed, sizeof doomed, "%s/d\xff" "e", argv[1]); // "\xffe" would be one escape
  int k = open(kept, O_RDWR | O_CREAT, 0600);
  int d = open(doomed, O_RDWR | O_CREAT, 0600);
  if (k < 0 || d < 0 || unlink(doomed) || ftruncate(k, 4096)) return 1;
  if (mmap(NULL, 4096, PROT_READ, MAP_SHARED, k, 0) == MAP_FAILED) return 1;
  printf("ready k=%d d=%d\n", k, d);
  fflush(stdout);
  pause();
  return 0;
}
`;

describe("fd and map paths that are not UTF-8", () => {
  it("fds and lsof --json give target and path twins, with and without the native helper; maps --json (and --smaps) and the uses lsof --path reports the path's", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-low-fdname-"));
    const holder = await startProcess(compileC("low-bad-names", BAD_NAMES_C), [dir], { ready: "ready" });
    try {
      const k = Number(/k=(\d+)/.exec(holder.output())?.[1]);
      const d = Number(/d=(\d+)/.exec(holder.output())?.[1]);
      const b64 = (text: string) => Buffer.concat([Buffer.from(dir), Buffer.from(text, "latin1")]).toString("base64");
      const expected = {
        [k]: { target: b64("/f\xffg"), path: b64("/f\xffg") },
        [d]: { target: b64("/d\xffe (deleted)"), path: b64("/d\xffe") },
      };
      type Fd = { fd: number; target: string; path: string | null; rawBase64?: unknown };
      const check = (fds: Fd[], what: string) => {
        for (const fd of [k, d]) {
          const row = fds.find((f) => f.fd === fd);
          expect(row?.rawBase64, `${what} fd ${fd}`).toEqual(expected[fd]);
        }
        expect(fds.find((f) => f.fd === k)?.path, what).toBe(`${dir}/f\\xffg`);
        // stdin is a pipe: valid text, no twin.
        expect(
          fds.find((f) => f.fd === 0),
          what,
        ).not.toHaveProperty("rawBase64");
      };
      check(JSON.parse((await runCli(["fds", String(holder.pid), "--json"])).stdout) as Fd[], "fds");
      const lsof = JSON.parse((await runCli(["lsof", "--pid", String(holder.pid), "--json"])).stdout) as { fds: Fd[] }[];
      check(lsof[0]?.fds ?? [], "lsof");
      const env = { ...process.env, PROCSCOPE_NATIVE: "0" };
      const slow = JSON.parse((await runBin(["lsof", "--pid", String(holder.pid), "--json"], { env })).stdout) as { fds: Fd[] }[];
      check(slow[0]?.fds ?? [], "lsof without the native helper");
      for (const argv of [["maps"], ["maps", "--smaps"]]) {
        const maps = JSON.parse((await runCli([...argv, String(holder.pid), "--json"])).stdout) as {
          path: string | null;
          rawBase64?: unknown;
        }[];
        const mapped = maps.filter((r) => r.path === `${dir}/f\\xffg`);
        expect(mapped, argv.join(" ")).toHaveLength(1);
        expect(mapped[0]?.rawBase64, argv.join(" ")).toEqual({ path: b64("/f\xffg") });
        expect(maps.filter((r) => r.rawBase64 !== undefined)).toHaveLength(1);
      }
      // Who holds f<0xff>g other than through an fd (lsof --path's uses): its mapping (mem), with
      // the path's twin. (The library's reader: Node cannot take a path argument that is not UTF-8.)
      const holderDir = openProcFs().openProcess(holder.pid);
      try {
        const uses = readFileUses(holderDir, (use) => use.path === `${dir}/f\\xffg`);
        expect(uses.map((u) => [u.use, u.rawBase64])).toEqual([["mem", { path: b64("/f\xffg") }]]);
      } finally {
        holderDir.close();
      }
    } finally {
      await holder.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
