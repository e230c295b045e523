/**
 * The JSON contract: every command with --json, run on live processes this test starts, prints
 * what `procscope schema COMMAND` says (validated with TypeBox's Value.Check, the first errors
 * printed on failure); NDJSON streams are validated line by line. And every command that takes
 * --json has a schema, so a new command without one fails here.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { FormatRegistry, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunAction } from "../../src/cli/command.js";
import { COMMAND_MODULES } from "../../src/cli/commands/index.js";
import { main } from "../../src/cli/main.js";
import { COMMAND_CONTRACTS, commandArguments, commandJsonSchema, commandSchema, SCHEMA_COMMANDS } from "../../src/model/commands.js";
import { SYSTEM_FILE_NAMES, SYSTEM_FILES } from "../../src/procfs/system-files.js";
import { runCli } from "../helpers/cli.js";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";

FormatRegistry.Set("date-time", (value) => !Number.isNaN(Date.parse(value)));

/** A heap string, a pipe, a socketpair, a listening TCP socket, a deleted file and a file being read. */
const HELPER = String.raw`
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>
int main(int argc, char **argv) {
  char *heap = malloc(64);
  strcpy(heap, "CONTRACT-HEAP-NEEDLE");
  int p[2]; if (pipe(p) != 0) return 1;
  int sv[2]; if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  if (bind(listener, (struct sockaddr *)&a, sizeof a) != 0 || listen(listener, 4) != 0) return 1;
  int doomed = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
  char block[4096]; memset(block, 'x', sizeof block);
  for (int i = 0; i < 4; i++) if (write(doomed, block, sizeof block) != sizeof block) return 1;
  unlink(argv[1]);
  int log = open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0600);
  printf("ready heap=%p pipe=%d deleted=%d log=%d\n", (void *)heap, p[1], doomed, log);
  fflush(stdout);
  for (int i = 0;; i++) {
    dprintf(log, "line %d\n", i);
    usleep(50000);
  }
}
`;

let tmp: string;
let helper: LiveProcess;
let node: LiveProcess;
let shell: LiveProcess;
let fds: { deleted: number; log: number };

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-contract-"));
  const binary = compileC("contract-helper", HELPER);
  helper = await startProcess(binary, [path.join(tmp, "doomed"), path.join(tmp, "log")], { ready: /ready .*\n/ });
  const line = /deleted=(\d+) log=(\d+)/.exec(helper.output()) as RegExpExecArray;
  fds = { deleted: Number(line[1]), log: Number(line[2]) };
  node = await startProcess(process.execPath, ["-e", "console.log('ready'); setInterval(() => {}, 1000)"], { ready: "ready" });
  shell = await startProcess("bash", ["-c", "echo ready; sleep 1000 | cat"], { ready: "ready" });
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs the CLI in-process; for a stream, stops it once `lines` lines are out. */
async function run(argv: readonly string[], lines?: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const controller = new AbortController();
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: (text) => {
      stdout += text;
      if (lines !== undefined && stdout.split("\n").length > lines) controller.abort();
    },
    stderr: (text) => {
      stderr += text;
    },
    isTTY: false,
    columns: undefined,
    env: {},
    signal: controller.signal,
  });
  return { code, stdout, stderr };
}

async function schemaOf(command: string, argument?: string): Promise<TSchema> {
  const schema = await commandSchema(command, argument);
  if (!schema) throw new Error(`no contract for ${command} ${argument ?? ""}`);
  // What `procscope schema COMMAND [ARGUMENT]` prints is this very schema, as JSON.
  const printed = await runCli(["schema", command, ...(argument === undefined ? [] : [argument])]);
  expect(printed.code).toBe(0);
  expect(JSON.parse(printed.stdout)).toEqual(JSON.parse(JSON.stringify(await commandJsonSchema(command, argument))));
  expect(JSON.parse(printed.stdout)).toMatchObject(JSON.parse(JSON.stringify(schema)));
  return schema;
}

function expectValid(schema: TSchema, value: unknown, what: string): void {
  if (Value.Check(schema, value)) return;
  const errors = [...Value.Errors(schema, value)]
    .slice(0, 5)
    .map((e) => `${e.path || "/"}: ${e.message} (got ${JSON.stringify(e.value)?.slice(0, 120)})`);
  expect.fail(`${what} does not match its schema:\n  ${errors.join("\n  ")}`);
}

/** Runs `argv`, checks the exit code, and validates the document (or each NDJSON line). */
async function check(argv: string[], options: { lines?: number; code?: number; argument?: string } = {}): Promise<unknown[]> {
  const command = argv[0] as string;
  const schema = await schemaOf(command, options.argument);
  const ndjson = COMMAND_CONTRACTS[command]?.framing === "ndjson" || argv.includes("--watch");
  const result = await run([...argv, "--json"], ndjson ? (options.lines ?? 1) : undefined);
  expect(result.code, `${argv.join(" ")}: ${result.stderr}`).toBe(options.code ?? 0);
  const documents = ndjson
    ? result.stdout
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l))
    : [JSON.parse(result.stdout)];
  expect(documents.length, `${argv.join(" ")} printed nothing`).toBeGreaterThan(0);
  for (const [i, document] of documents.entries())
    expectValid(schema, document, `${argv.join(" ")} --json${ndjson ? ` line ${i + 1}` : ""}`);
  return documents;
}

describe("every command's --json matches `procscope schema COMMAND`", () => {
  const pid = () => String(helper.pid);

  it("processes: ps, tree, show, top --once, watch", async () => {
    await check(["ps"]);
    await check(["ps", "--pid", `${helper.pid},${node.pid}`]);
    await check(["tree"]);
    const [forest] = (await check(["tree", String(node.pid)])) as unknown[][];
    expect(forest).toHaveLength(1);
    const [whole] = (await check(["show", String(node.pid)])) as Record<string, unknown>[];
    // --field requires fields; it never changes the shape.
    const [picked] = (await check(["show", String(node.pid), "--field", "environ,limits"])) as Record<string, unknown>[];
    expect(Object.keys(picked ?? {})).toEqual(Object.keys(whole ?? {}));
    expect(picked?.environ).toEqual(whole?.environ);
    await check(["show", "1"]);
    await check(["top", "--once", "--interval", "100"]);
    // watch reports a start: start processes while it watches. They stay alive until the end, so
    // the next poll sees each one (a short-lived `true` can start and be reaped between two polls).
    const watching = check(["watch", "--interval", "100"]);
    const started: LiveProcess[] = [];
    const timer = setInterval(() => {
      startProcess("sleep", ["60"]).then(
        (p) => started.push(p),
        () => undefined,
      );
    }, 150);
    try {
      await watching;
    } finally {
      clearInterval(timer);
      await Promise.all(started.map((p) => p.kill()));
    }
  });

  it("files: fds, lsof, peers, net, recover, progress, follow, pipeline", async () => {
    await check(["fds", pid()]);
    await check(["fds", String(node.pid)]);
    await check(["lsof", "--pid", `${helper.pid},${node.pid}`]);
    const [deleted] = (await check(["lsof", "--deleted", "--pid", pid()])) as { fds: unknown[] }[][];
    expect(deleted?.[0]?.fds).toHaveLength(1);
    await check(["lsof", "--path", path.join(tmp, "log")]);
    await check(["peers", pid()]);
    await check(["net", pid()]);
    await check(["recover", pid(), String(fds.deleted), "-o", path.join(tmp, "recovered")]);
    const dir = path.join(tmp, "recovered-all");
    fs.mkdirSync(dir);
    await check(["recover", "--deleted", pid(), "-o", dir]);
    await check(["progress", pid(), "--interval", "100"]);
    await check(["progress", pid(), "--watch", "--interval", "100"], { lines: 2 });
    await check(["follow", pid(), String(fds.log)], { lines: 2 });
    const cat = fs
      .readdirSync("/proc")
      .filter((n) => /^\d+$/.test(n))
      .find((n) => {
        try {
          return (
            fs.readFileSync(`/proc/${n}/stat`, "utf8").includes(`) S ${shell.pid} `) &&
            fs.readFileSync(`/proc/${n}/comm`, "utf8") === "cat\n"
          );
        } catch {
          return false;
        }
      });
    await check(["pipeline", cat ?? String(shell.pid), "--interval", "200"]);
  });

  it("system: sys, and sys NAME for every system file this machine has", async () => {
    await check(["sys"]);
    const names = await commandArguments("sys");
    expect([...names].sort()).toEqual([...SYSTEM_FILE_NAMES].sort());
    const present = SYSTEM_FILE_NAMES.filter((name) => fs.existsSync(`/proc/${SYSTEM_FILES[name].path}`));
    // Every Linux has these; the others (dma, swaps…) depend on the kernel's configuration.
    expect(present).toEqual(expect.arrayContaining(["meminfo", "cpuinfo", "stat", "vmstat", "mounts", "version"]));
    for (const name of present) await check(["sys", name], { argument: name });
    // The overview's schema does not pass for a file, nor one file's for another.
    const meminfo = JSON.parse((await run(["sys", "meminfo", "--json"])).stdout);
    expect(Value.Check(await schemaOf("sys"), meminfo)).toBe(false);
    expect(Value.Check(await schemaOf("sys", "vmstat"), meminfo)).toBe(false);
  });

  it("memory: maps, read, dump, strings, search", async () => {
    const [regions] = (await check(["maps", pid()])) as { usage: unknown }[][];
    expect(regions?.every((r) => r.usage === null)).toBe(true);
    const [smaps] = (await check(["maps", pid(), "--smaps"])) as { usage: unknown }[][];
    expect(smaps?.every((r) => r.usage !== null)).toBe(true);
    await check(["read", pid(), "heap", "64"]);
    await check(["dump", pid(), "--region", "heap", "-o", path.join(tmp, "dump")]);
    const [runs] = (await check(["strings", pid(), "--region", "heap"])) as { text: string }[][];
    expect(runs?.some((r) => r.text === "CONTRACT-HEAP-NEEDLE")).toBe(true);
    const [matches] = (await check(["search", pid(), "CONTRACT-HEAP-NEEDLE"])) as unknown[][];
    expect(matches).toHaveLength(1);
    await check(["search", pid(), "no such text anywhere"]);
  });

  it("memory writes: replace, write, undo, history", async () => {
    await check(["replace", pid(), "CONTRACT-HEAP-NEEDLE", "CONTRACT-HEAP-NEEDLX"]);
    const journal = path.join(tmp, "journal.jsonl");
    await check(["replace", pid(), "CONTRACT-HEAP-NEEDLE", "CONTRACT-HEAP-NEEDLX", "--yes", "--journal", journal]);
    await check(["undo", journal]);
    await check(["write", pid(), "heap", "--text", "C"]);
    await check(["history", String(shell.pid)]);
  });

  it("threads and kernel: threads, stack, blocked, ksym, sysctl", async () => {
    await check(["threads", pid()]);
    await check(["threads", String(node.pid)]);
    await check(["stack", String(node.pid)]);
    await check(["blocked"]);
    const [hits] = (await check(["ksym", "hrtimer_nanosleep"])) as { address: string }[][];
    await check(["ksym", hits?.[0]?.address ?? "0x0"]);
    await check(["ksym", "hrtimer_nanosleep+0x10"]);
    await check(["sysctl", "vm"]);
    await check(["sysctl", "vm.swappiness"]);
    // A preview: nothing is written without --yes.
    await check(["sysctl", "vm.swappiness", fs.readFileSync("/proc/sys/vm/swappiness", "utf8").trim()]);
  });
});

describe("procscope schema", () => {
  it("covers every registered command that takes --json, and names no other", () => {
    const program = new Command("procscope");
    const noop: RunAction = () => async () => undefined;
    for (const module of COMMAND_MODULES) module.register(program, noop);
    const withJson = program.commands.filter((c) => c.options.some((o) => o.long === "--json")).map((c) => c.name());
    expect(withJson.length).toBeGreaterThan(20);
    expect(
      withJson.filter((name) => !SCHEMA_COMMANDS.includes(name)),
      "commands with --json but no schema: add them to src/model/commands.ts",
    ).toEqual([]);
    expect(SCHEMA_COMMANDS.filter((name) => !withJson.includes(name))).toEqual([]);
  });

  it("lists the commands, and refuses an unknown one with one line and exit 2", async () => {
    const list = await runCli(["schema"]);
    expect(list.code).toBe(0);
    expect(
      list.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual([...SCHEMA_COMMANDS]);
    const unknown = await runCli(["schema", "nosuchcommand"]);
    expect(unknown).toEqual({ code: 2, stdout: "", stderr: expect.stringMatching(/^procscope: no JSON schema for "nosuchcommand".*\n$/) });
    expect(unknown.stderr.split("\n")).toHaveLength(2);
    const file = await runCli(["schema", "sys", "nosuchfile"]);
    expect(file).toEqual({
      code: 2,
      stdout: "",
      stderr: expect.stringMatching(/^procscope: no JSON schema for "sys nosuchfile": known: meminfo, cpuinfo, .*\n$/),
    });
    const extra = await runCli(["schema", "ps", "meminfo"]);
    expect(extra).toEqual({ code: 2, stdout: "", stderr: expect.stringMatching(/^procscope: "ps" has one JSON schema.*\n$/) });
  });

  it("prints each system file's schema under `schema sys NAME`", async () => {
    const meminfo = JSON.parse((await runCli(["schema", "sys", "meminfo"])).stdout);
    expect(meminfo).toMatchObject({ title: "Meminfo", type: "object", $comment: expect.stringMatching(/^procscope sys meminfo --json/) });
    expect(meminfo.properties.memTotalBytes).toMatchObject({ type: "integer", minimum: 0 });
    expect(JSON.parse((await runCli(["schema", "sys", "mounts"])).stdout)).toMatchObject({ type: "array", items: { title: "Mount" } });
    expect(JSON.parse((await runCli(["schema", "sys"])).stdout).title).toBe("SystemOverview");
  });

  it("prints draft-07 JSON Schema documents with the framing", async () => {
    const maps = JSON.parse((await runCli(["schema", "maps"])).stdout);
    expect(maps).toMatchObject({ $schema: "http://json-schema.org/draft-07/schema#", type: "array" });
    expect(maps.items.properties.start).toMatchObject({ type: "string", pattern: "^0x[0-9a-f]+$" });
    expect(JSON.parse((await runCli(["schema", "watch"])).stdout).$comment).toMatch(/NDJSON/);
  });
});

describe("the validator", () => {
  it("rejects what the schemas forbid: a renamed field, a number for an address, an extra field", async () => {
    const maps = await schemaOf("maps");
    const result = await run(["maps", String(helper.pid), "--json"]);
    const [region] = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(Value.Check(maps, [region])).toBe(true);
    const { sizeBytes, ...rest } = region as Record<string, unknown>;
    expect(Value.Check(maps, [{ ...rest, size: sizeBytes }])).toBe(false);
    expect(Value.Check(maps, [{ ...region, start: 4096 }])).toBe(false);
    expect(Value.Check(maps, [{ ...region, extra: 1 }])).toBe(false);
    expect(Value.Check(await schemaOf("search"), [{ pid: 1 }])).toBe(false);
  });
});

describe("the library never speaks CLI", () => {
  it("a refused write names the option that allows it, and the CLI turns it into a flag", async () => {
    const { checkWriteTarget } = await import("../../src/memory/write.js");
    const { parsePidMaps } = await import("../../src/procfs/pid/maps.js");
    const { errorLine } = await import("../../src/cli/exit.js");
    const regions = parsePidMaps(
      "7f0000000000-7f0000001000 rw-s 00000000 00:05 1234 /dev/shm/x\n7f0000001000-7f0000002000 r--p 00000000 fe:00 99 /usr/lib/libc.so.6\n",
    );
    const refusal = (address: bigint) => {
      try {
        checkWriteTarget(regions, 42, address, 1, {});
      } catch (error) {
        return error as Error & { option?: string };
      }
      throw new Error("not refused");
    };
    const shared = refusal(0x7f0000000000n);
    expect(shared.option).toBe("allowShared");
    expect(shared.message).not.toMatch(/(^|\s)--[a-z]/);
    expect(errorLine(shared)).toMatch(/; use --allow-shared$/);
    const readOnly = refusal(0x7f0000001000n);
    expect(readOnly.option).toBe("force");
    expect(readOnly.message).not.toMatch(/(^|\s)--[a-z]/);
    expect(errorLine(readOnly)).toMatch(/; use --force$/);
  });

  it("no library file reads process.env or names a --flag in an error", () => {
    const files = fs
      .readdirSync("src", { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts") && !f.startsWith("cli/") && !f.startsWith("model/commands"));
    const offenders = files.filter((f) => {
      const text = fs.readFileSync(path.join("src", f), "utf8");
      return /process\.env/.test(text) || /new \w+\((`|")[^`"]*--[a-z]/.test(text);
    });
    expect(offenders).toEqual([]);
  });
});
