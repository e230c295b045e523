import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { InvalidArgument } from "../../src/errors.js";
import { follow } from "../../src/files/follow.js";
import { measureProgress } from "../../src/files/progress.js";
import { createProcessContext } from "../../src/processes/context.js";
import { runCli } from "../helpers/cli.js";
import { startProcess } from "../helpers/live.js";
import { waitUntil } from "../helpers/wait.js";
import { readyNumbers, slowReaderBinary, tempDir } from "./_helpers.js";

const dir = tempDir();
const context = createProcessContext(openProcFs());

function bigFile(name: string, bytes: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.alloc(bytes, 0x61));
  return file;
}

describe("progress()", () => {
  it("shows a slow reader's position, size, percent, rate and ETA from two samples", async () => {
    const file = bigFile("slow.bin", 32 * 1024 * 1024);
    const reader = await startProcess(slowReaderBinary(), [file, "65536", "20000"], { ready: "ready" });
    try {
      const fd = readyNumbers(reader.output()).fd as number;
      const rows = await measureProgress(context, { pid: reader.pid, intervalMs: 300 });
      const row = rows.find((r) => r.fd === fd);
      expect(row).toMatchObject({ pid: reader.pid, path: file, sizeBytes: 32 * 1024 * 1024, mode: "r", moving: true });
      expect(row?.posBytes).toBeGreaterThan(0);
      expect(row?.posBytes).toBeLessThan(32 * 1024 * 1024);
      expect(row?.bytesPerSecond).toBeGreaterThan(0);
      expect(row?.etaSeconds).toBeGreaterThan(0);
      expect(row?.percent).toBeCloseTo(((row?.posBytes ?? 0) / (32 * 1024 * 1024)) * 100, 0);
      // Without a PID only moving files are listed, and the reader is among them.
      const all = await measureProgress(context, { intervalMs: 200 });
      expect(all.every((r) => r.moving)).toBe(true);
      expect(all.some((r) => r.pid === reader.pid && r.fd === fd)).toBe(true);
    } finally {
      await reader.kill();
    }
  });

  it("progress PID --watch --json streams NDJSON until the process exits", async () => {
    const file = bigFile("short.bin", 2 * 1024 * 1024);
    const reader = await startProcess(slowReaderBinary(), [file, "65536", "25000"], { ready: "ready" });
    const result = await runCli(["progress", String(reader.pid), "--watch", "--json", "--interval", "100"]);
    expect(result.code).toBe(0);
    const ticks = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { time: string; files: { fd: number; posBytes: number; path: string }[] });
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    const positions = ticks.map((t) => t.files.find((f) => f.path === file)?.posBytes).filter((p) => p !== undefined);
    expect(positions.length).toBeGreaterThanOrEqual(2);
    expect([...positions].sort((a, b) => (a as number) - (b as number))).toEqual(positions);
    expect(positions[positions.length - 1]).toBeGreaterThan(positions[0] as number);
  });

  it("rejects a bad --interval", async () => {
    expect((await runCli(["progress", "--interval", "soon"])).code).toBe(2);
  });
});

describe("follow()", () => {
  it("streams what a writer appends and stops when the writer exits", async () => {
    const log = path.join(dir, "follow.log");
    fs.writeFileSync(log, "before\n");
    // "ready" comes from a subshell: a builtin's `>&3` would point the shell's own fd 1 back at
    // the pipe while it prints, and follow() could catch that moment.
    const writer = await startProcess(
      "sh",
      ["-c", 'exec 3>&1 1>>"$0"; (echo ready >&3); read go; i=0; while [ $i -lt 8 ]; do echo "line $i"; i=$((i+1)); sleep 0.05; done', log],
      { ready: "ready" },
    );
    const target = follow(openProcFs(), writer.pid, 1, { pollMs: 20 });
    expect(target.fd.path).toBe(log);
    writer.child.stdin?.write("go\n");
    let text = "";
    for await (const chunk of target.chunks) text += chunk.toString();
    expect(text).toBe(Array.from({ length: 8 }, (_, i) => `line ${i}\n`).join(""));
  });

  it("stops when the signal aborts, and --from-start includes what was there", async () => {
    const log = path.join(dir, "follow2.log");
    fs.writeFileSync(log, "old\n");
    const holder = await startProcess("sh", ["-c", 'exec 3>>"$0"; echo ready; read x', log], { ready: "ready" });
    try {
      const controller = new AbortController();
      const target = follow(openProcFs(), holder.pid, 3, { signal: controller.signal, fromStart: true, pollMs: 20 });
      let text = "";
      for await (const chunk of target.chunks) {
        text += chunk.toString();
        // Append only once follow() has shown what was there, so the new line is surely followed.
        if (text === "old\n") fs.appendFileSync(log, "new\n");
        if (text.includes("new")) controller.abort();
      }
      expect(text).toBe("old\nnew\n");
    } finally {
      await holder.kill();
    }
  });

  it("refuses a pipe with the reason, and the pipe's reader loses no data", async () => {
    const shell = await startProcess("sh", ["-c", "(echo one; read x; echo two) | cat"]);
    const writerPid = await waitUntil("the pipeline's writing subshell", () => {
      const kids = fs.readFileSync(`/proc/${shell.pid}/task/${shell.pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
      return kids.find((k) => {
        try {
          return fs.readlinkSync(`/proc/${k}/fd/1`).startsWith("pipe:") && fs.readFileSync(`/proc/${k}/comm`, "utf8").trim() === "sh";
        } catch {
          return false;
        }
      });
    });
    await shell.waitFor("one\n");
    expect(() => follow(openProcFs(), writerPid as number, 1)).toThrow(InvalidArgument);
    const cli = await runCli(["follow", String(writerPid), "1"]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(
      /^procscope: cannot follow: fd 1 of process \d+ is a pipe \(pipe:\[\d+\]\): reading it through \/proc would steal the data from its real reader\n$/,
    );
    shell.child.stdin?.write("go\n");
    await shell.waitFor("two\n");
    expect(shell.output()).toBe("one\ntwo\n");
    await shell.kill();
  });

  it("follow of a missing fd or PID is a one-line error", async () => {
    const missingFd = await runCli(["follow", String(process.pid), "987"]);
    expect(missingFd.code).toBe(1);
    expect(missingFd.stderr).toBe(`procscope: process ${process.pid} has no fd 987\n`);
    expect((await runCli(["follow", "0"])).code).toBe(2);
  });
});
