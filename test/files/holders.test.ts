/**
 * lsof --path answers "who holds this file" as lsof and fuser do: besides fds, the program a
 * process runs (txt), files mapped into its memory (mem), its current directory (cwd) and its root
 * directory (rtd). Real processes started here, compared with the real lsof.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";

// argv: [1] a file to map, [2] a directory to work in, [3] optional: a directory to chroot into.
const HOLDER = String.raw`
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) { perror("open"); return 1; }
  void *p = mmap(0, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) { perror("mmap"); return 1; }
  close(fd); /* only the mapping holds the file now */
  if (chdir(argv[2]) != 0) { perror("chdir"); return 1; }
  if (argc > 3 && chroot(argv[3]) != 0) { perror("chroot"); return 1; }
  printf("ready\n");
  fflush(stdout);
  for (;;) pause();
}
`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "psc-holders-"));
const program = path.join(dir, "holder-program");
const mapped = path.join(dir, "mapped.bin");
const work = path.join(dir, "work");
const jail = path.join(dir, "jail");
let plain: LiveProcess;
let jailed: LiveProcess;

beforeAll(async () => {
  // A private copy of the program, so only our processes run it.
  fs.copyFileSync(compileC("holder", HOLDER), program);
  fs.chmodSync(program, 0o755);
  fs.writeFileSync(mapped, Buffer.alloc(8192, 7));
  fs.mkdirSync(work);
  fs.mkdirSync(jail);
  plain = await startProcess(program, [mapped, work], { ready: "ready" });
  jailed = await startProcess(program, [mapped, work, jail], { ready: "ready" });
});
afterAll(async () => {
  await plain?.kill();
  await jailed?.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

type Uses = { pid: number; fds: { fd: number }[] | null; uses: { use: string; path: string | null; inode: number | null }[] | null }[];

/** (pid, FD name) pairs of our two processes, as procscope's JSON gives them. */
async function procscopeHolders(file: string): Promise<string[]> {
  const result = await runCli(["lsof", "--path", file, "--json"]);
  expect(result.code, result.stderr).toBe(0);
  const pids = new Set([plain.pid, jailed.pid]);
  const pairs: string[] = [];
  for (const p of JSON.parse(result.stdout) as Uses) {
    if (!pids.has(p.pid)) continue;
    for (const u of p.uses ?? []) pairs.push(`${p.pid} ${u.use}`);
    for (const f of p.fds ?? []) pairs.push(`${p.pid} ${f.fd}`);
  }
  return pairs.sort();
}

/** The same pairs from the real lsof (-F pf: a "p" line per process, an "f" line per file). */
function lsofHolders(file: string): string[] {
  let text: string;
  try {
    text = execFileSync("lsof", ["-w", "-F", "pf", file], { encoding: "utf8" });
  } catch (error) {
    // lsof exits 1 when some process of its listing vanished; its output is still good.
    text = String((error as { stdout?: string }).stdout ?? "");
  }
  const pids = new Set([plain.pid, jailed.pid]);
  const pairs: string[] = [];
  let pid = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("p")) pid = Number(line.slice(1));
    else if (line.startsWith("f") && pids.has(pid)) pairs.push(`${pid} ${line.slice(1).replace(/^(\d+)[rwu]?$/, "$1")}`);
  }
  return pairs.sort();
}

describe("lsof --path", () => {
  it("lists the processes running a program (txt), as lsof does", async () => {
    const ours = await procscopeHolders(program);
    expect(ours).toEqual([`${plain.pid} txt`, `${jailed.pid} txt`].sort());
    expect(ours).toEqual(lsofHolders(program));
  });

  it("lists a file held only by a mapping (mem), as lsof does", async () => {
    const ours = await procscopeHolders(mapped);
    expect(ours).toEqual([`${plain.pid} mem`, `${jailed.pid} mem`].sort());
    expect(ours).toEqual(lsofHolders(mapped));
  });

  it("lists the processes working in a directory (cwd), as lsof does", async () => {
    const ours = await procscopeHolders(work);
    expect(ours).toEqual([`${plain.pid} cwd`, `${jailed.pid} cwd`].sort());
    expect(ours).toEqual(lsofHolders(work));
  });

  it("lists a process rooted in a directory (rtd), as lsof does", async () => {
    const ours = await procscopeHolders(jail);
    expect(ours).toEqual([`${jailed.pid} rtd`]);
    expect(ours).toEqual(lsofHolders(jail));
  });

  it("shows the uses in the table with lsof's FD names, and fuser agrees on who", async () => {
    const table = await runCli(["lsof", "--path", mapped]);
    expect(table.code).toBe(0);
    const row = table.stdout.split("\n").find((line) => new RegExp(`\\b${plain.pid}\\b`).test(line));
    expect(row).toMatch(/\bmem\b.*mapped\.bin/);
    // fuser -m is about mounts; plain fuser FILE names the PIDs using the file (with access letters on stderr).
    const fuser = execFileSync("fuser", [mapped], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    expect(fuser.trim().split(/\s+/).map(Number).sort()).toEqual([plain.pid, jailed.pid].sort());
  });

  it("reads no uses without a path query: null with the reason (the shape stays the same)", async () => {
    const result = await runCli(["lsof", "--pid", String(plain.pid), "--json"]);
    const [entry] = JSON.parse(result.stdout) as (Uses[number] & { errors: Record<string, string> })[];
    expect(entry?.uses).toBeNull();
    expect(entry?.errors.uses).toMatch(/who holds a file/);
  });
});
