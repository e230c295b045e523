/**
 * A real `procscope serve` process for API and browser tests: started on a free port with its own
 * token file and audit log, ready when it prints its start line, stopped when the test file ends.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openProcFs } from "../../src/access/proc-fs.js";
import { createProcessContext } from "../../src/processes/context.js";
import { type App, createApp, type ServerDeps } from "../../src/server/app.js";
import { BIN } from "./cli.js";
import { type LiveProcess, startProcess } from "./live.js";

export interface RunningServer {
  readonly process: LiveProcess;
  /** The printed URL, with ?token=. */
  readonly url: string;
  /** http://127.0.0.1:PORT */
  readonly base: string;
  readonly token: string;
  readonly dir: string;
  readonly auditLog: string;
  /** fetch with the Bearer token (unless headers say otherwise). */
  api(pathAndQuery: string, init?: RequestInit): Promise<Response>;
  auditLines(): Record<string, unknown>[];
}

export async function startServer(args: readonly string[] = []): Promise<RunningServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-serve-"));
  const auditLog = path.join(dir, "audit.jsonl");
  const child = await startProcess(
    process.execPath,
    [BIN, "serve", "--port", "0", "--token-file", path.join(dir, "token"), "--audit-log", auditLog, ...args],
    { ready: /procscope: serving \S+\n/, env: { ...process.env, XDG_STATE_HOME: path.join(dir, "state") } },
  );
  const line = /procscope: serving (\S+)\n/.exec(child.output()) as RegExpExecArray;
  const url = line[1] as string;
  const parsed = new URL(url);
  const token = parsed.searchParams.get("token") as string;
  const base = `${parsed.protocol}//${parsed.host}`;
  return {
    process: child,
    url,
    base,
    token,
    dir,
    auditLog,
    api(pathAndQuery, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
      return fetch(`${base}${pathAndQuery}`, { ...init, headers });
    },
    auditLines() {
      if (!fs.existsSync(auditLog)) return [];
      return fs
        .readFileSync(auditLog, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  };
}

/** A C program with a known string on its heap; prints "ready" and waits for a signal. */
export const HEAP_MARKER_SOURCE = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  char *heap = malloc(4096);
  strcpy(heap, argv[1]);
  printf("ready %p\n", (void *)heap);
  fflush(stdout);
  for (;;) pause();
}
`;

/** An in-process app (no socket, no child) over the live /proc, read-only, auditing nowhere. */
export function createTestApp(token: string, overrides: Partial<ServerDeps> = {}): App {
  return createApp({
    context: createProcessContext(openProcFs("/proc")),
    token,
    host: "127.0.0.1",
    allowActions: false,
    audit: () => undefined,
    webRoot: null,
    journalPath: () => "/nonexistent",
    journalDir: os.tmpdir(),
    version: "test",
    ...overrides,
  });
}
