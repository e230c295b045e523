import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { Conflict, InvalidArgument, NotFound } from "../../src/errors.js";
import { recover } from "../../src/files/recover.js";
import { runCli } from "../helpers/cli.js";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";
import { holderBinary, readyNumbers, tempDir } from "./_helpers.js";

/** Bytes a memfd holds: a file that never had a name, which recover --deleted copies out too. */
const MEMFD_BYTES = "procscope memfd \x01\xff bytes\n";
const MEMFD_WRITER_C = String.raw`
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
int main(void) {
  const char bytes[] = "procscope memfd \x01\xff bytes\n";
  int m = memfd_create("procscope-secret", 0);
  if (m < 0 || write(m, bytes, sizeof bytes - 1) != (ssize_t)(sizeof bytes - 1)) return 1;
  printf("ready m=%d\n", m);
  fflush(stdout);
  char c; while (read(0, &c, 1) > 0) {}
  return 0;
}
`;

const dir = tempDir();
const content = randomBytes(8 * 1024 * 1024);
const sha256 = createHash("sha256").update(content).digest("hex");
let holder: LiveProcess;
let fdOf: Record<string, number>;

beforeAll(async () => {
  const file = path.join(dir, "plain.bin");
  const doomed = path.join(dir, "doomed-8MiB.bin");
  fs.writeFileSync(file, "plain file\n".repeat(2000));
  fs.writeFileSync(doomed, content);
  holder = await startProcess(holderBinary(), [file, doomed], { ready: "ready" });
  fdOf = readyNumbers(holder.output());
  expect(fs.existsSync(doomed)).toBe(false);
});
afterAll(() => holder.kill());

function noPartials(): void {
  expect(fs.readdirSync(dir).filter((n) => n.includes(".partial"))).toEqual([]);
}

describe("recover()", () => {
  it("copies a deleted 8 MiB file byte for byte and reports its sha256", async () => {
    const out = path.join(dir, "recovered.bin");
    const seen: number[] = [];
    const result = await recover(openProcFs(), holder.pid, fdOf.d as number, out, { onProgress: (copied) => seen.push(copied) });
    expect(result).toMatchObject({ copiedBytes: content.length, sha256, deleted: true, growing: false });
    expect(fs.readFileSync(out).equals(content)).toBe(true);
    expect(seen[seen.length - 1]).toBe(content.length);
    noPartials();
  });

  it("never overwrites an existing file unless forced", async () => {
    const out = path.join(dir, "existing.bin");
    fs.writeFileSync(out, "keep me");
    await expect(recover(openProcFs(), holder.pid, fdOf.d as number, out)).rejects.toThrow(Conflict);
    expect(fs.readFileSync(out, "utf8")).toBe("keep me");
    const forced = await recover(openProcFs(), holder.pid, fdOf.d as number, out, { force: true });
    expect(forced.sha256).toBe(sha256);
    noPartials();
  });

  it("refuses pipes, sockets and eventfds with the reason, writing nothing", async () => {
    const out = path.join(dir, "refused.bin");
    await expect(recover(openProcFs(), holder.pid, fdOf.pr as number, out)).rejects.toThrow(
      /pipe \(pipe:\[\d+\]\): reading it through \/proc would steal/,
    );
    await expect(recover(openProcFs(), holder.pid, fdOf.s0 as number, out)).rejects.toThrow(
      /socket \(socket:\[\d+\]\): it cannot be reopened/,
    );
    await expect(recover(openProcFs(), holder.pid, fdOf.e as number, out)).rejects.toThrow(InvalidArgument);
    expect(fs.existsSync(out)).toBe(false);
  });

  it("rejects an output in a missing directory", async () => {
    await expect(recover(openProcFs(), holder.pid, fdOf.d as number, path.join(dir, "missing", "x"))).rejects.toThrow(NotFound);
  });
});

describe("procscope recover", () => {
  it("prints bytes and sha256 and exits 1 without touching an existing OUT", async () => {
    const out = path.join(dir, "cli.bin");
    const first = await runCli(["recover", String(holder.pid), String(fdOf.d), "-o", out]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`recovered ${content.length} bytes from fd ${fdOf.d} of process ${holder.pid}`);
    expect(first.stdout).toContain(`sha256 ${sha256}`);
    const again = await runCli(["recover", String(holder.pid), String(fdOf.d), "-o", out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists: not overwriting it; use --force\n$/);
  });

  it("--deleted PID -o DIR recovers every deleted file of the process, its memfd too", async () => {
    const outDir = path.join(dir, "all");
    fs.mkdirSync(outDir);
    const result = await runCli(["recover", "--deleted", String(holder.pid), "-o", outDir, "--json"]);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { recovered: { out: string; sha256: string }[]; failed: unknown[] };
    expect(parsed.failed).toEqual([]);
    const zeros4k = createHash("sha256").update(Buffer.alloc(4096)).digest("hex");
    expect(parsed.recovered.map((r) => r.sha256).sort()).toEqual([sha256, zeros4k].sort());
    expect(fs.readdirSync(outDir).sort()).toEqual(
      [`${holder.pid}-fd${fdOf.d}-doomed-8MiB.bin`, `${holder.pid}-fd${fdOf.m}-memfd_procscope-test`].sort(),
    );
  });

  it("--deleted -o DIR creates DIR, recovers a memfd's bytes, and never overwrites a file", async () => {
    const writer = await startProcess(compileC("memfd-writer", MEMFD_WRITER_C), [], { ready: "ready" });
    try {
      const memfd = readyNumbers(writer.output()).m as number;
      const outDir = path.join(dir, "not-yet", "nested");
      const result = await runCli(["recover", "--deleted", String(writer.pid), "-o", outDir]);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe("");
      const copy = path.join(outDir, `${writer.pid}-fd${memfd}-memfd_procscope-secret`);
      expect(fs.readdirSync(outDir)).toEqual([path.basename(copy)]);
      expect(fs.readFileSync(copy, "latin1")).toBe(MEMFD_BYTES);
      expect(fs.statSync(outDir).mode & 0o777).toBe(0o700);

      // Again into the same directory: the copy is there, and is kept.
      fs.writeFileSync(copy, "keep me");
      const again = await runCli(["recover", "--deleted", String(writer.pid), "-o", outDir]);
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(
        `procscope: fd ${memfd} of process ${writer.pid}: "${copy}" already exists: not overwriting it\n` +
          "procscope: --force overwrites the copies that already exist\n",
      );
      expect(fs.readFileSync(copy, "utf8")).toBe("keep me");

      // -o naming a file: one line, and the file is kept.
      const file = path.join(dir, "a-file");
      fs.writeFileSync(file, "keep me too");
      const onFile = await runCli(["recover", "--deleted", String(writer.pid), "-o", file]);
      expect(onFile.code).toBe(1);
      expect(onFile.stderr).toBe(`procscope: "${file}" is a file, not a directory: not overwriting it\n`);
      expect(fs.readFileSync(file, "utf8")).toBe("keep me too");
    } finally {
      await writer.kill();
    }
  });

  it("draws a progress bar on stderr when stdout is a terminal and the file is big", async () => {
    const big = path.join(dir, "big-17MiB.bin");
    const doomed = path.join(dir, "doomed-small.bin");
    fs.writeFileSync(big, Buffer.alloc(17 * 1024 * 1024, 7));
    fs.writeFileSync(doomed, "x");
    const bigHolder = await startProcess(holderBinary(), [big, doomed], { ready: "ready" });
    try {
      const fd = readyNumbers(bigHolder.output()).r as number;
      const out = path.join(dir, "big-copy.bin");
      const result = await runCli(["recover", String(bigHolder.pid), String(fd), "-o", out], { isTTY: true, columns: 100 });
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/\r\[#{30}\] 100% 17825792\/17825792 bytes\n$/);
      expect(result.stdout).toContain("recovered 17825792 bytes");
      const piped = await runCli(["recover", String(bigHolder.pid), String(fd), "-o", `${out}.2`]);
      expect(piped.stderr).toBe("");
    } finally {
      await bigHolder.kill();
    }
  });

  it("gives usage errors for missing -o and FD", async () => {
    expect((await runCli(["recover", String(holder.pid), "3"])).code).toBe(2);
    expect((await runCli(["recover", String(holder.pid), "-o", path.join(dir, "y")])).code).toBe(2);
    expect((await runCli(["recover", String(holder.pid), "x", "-o", path.join(dir, "y")])).code).toBe(2);
  });

  it("copies a growing file up to its size at the start and says so", async () => {
    const log = path.join(dir, "growing.log");
    fs.writeFileSync(log, "first part\n".repeat(50000));
    const writer = await startProcess("sh", ["-c", 'exec 3>>"$0"; echo ready; read x', log], { ready: "ready" });
    try {
      const out = path.join(dir, "growing-copy.log");
      let appended = false;
      const result = await recover(openProcFs(), writer.pid, 3, out, {
        chunkSize: 64 * 1024,
        onProgress: () => {
          if (!appended) fs.appendFileSync(log, "written during the copy\n");
          appended = true;
        },
      });
      expect(result).toMatchObject({ copiedBytes: 550000, growing: true, sizeAfterBytes: 550000 + 24 });
      expect(fs.readFileSync(out).equals(fs.readFileSync(log).subarray(0, 550000))).toBe(true);
      const cli = await runCli(["recover", String(writer.pid), "3", "-o", path.join(dir, "growing-cli.log")]);
      expect(cli.code).toBe(0);
      expect(cli.stdout).not.toContain("still growing");
    } finally {
      await writer.kill();
    }
  });
});
