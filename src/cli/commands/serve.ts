/**
 * serve: the HTTP API and web UI (src/server/). The server's code is imported only when this
 * command runs, so other commands start without it.
 */
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { parsePositiveInt } from "../args.js";
import { type CommandRun, type RunAction, withCommonOptions } from "../command.js";
import { UsageError } from "../exit.js";
import { VERSION } from "../version.js";

interface ServeOptions {
  readonly host: string;
  readonly port: string;
  readonly allowActions?: boolean;
  readonly tokenFile?: string;
  readonly auditLog?: string;
  readonly allowHost?: string[];
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly insecureListen?: boolean;
  readonly interval?: string;
}

/** Where state files go: $XDG_RUNTIME_DIR/procscope, else ~/.config/procscope (for the token). */
function defaultTokenFile(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && path.isAbsolute(runtime)) return path.join(runtime, "procscope", "serve-token");
  return path.join(home, ".config", "procscope", "serve-token");
}

function defaultAuditLog(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const state = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(home, ".local", "state");
  return path.join(state, "procscope", "serve-audit.jsonl");
}

async function serve(run: CommandRun, options: ServeOptions): Promise<void> {
  if (!/^\d+$/.test(options.port) || Number(options.port) > 65535) throw new UsageError(`--port must be 0..65535, got "${options.port}"`);
  const port = Number(options.port);
  const intervalMs = options.interval === undefined ? 1000 : parsePositiveInt(options.interval, "--interval");
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined))
    throw new UsageError("give both --tls-cert and --tls-key, or neither");
  const { isLoopback, listen } = await import("../../server/listen.js");
  const tls = options.tlsCert !== undefined ? { cert: options.tlsCert, key: options.tlsKey as string } : undefined;
  if (!isLoopback(options.host)) {
    if (!tls && !options.insecureListen)
      throw new UsageError(
        `--host ${options.host} is reachable from other machines: give --tls-cert and --tls-key, or --insecure-listen to serve plain HTTP anyway`,
      );
    if (!tls)
      run.warn(`serving plain HTTP on ${options.host}: the token and every answer cross the network unencrypted (--insecure-listen)`);
  }
  const env = run.io.env;
  const home = env.HOME && path.isAbsolute(env.HOME) ? env.HOME : os.homedir();
  const { loadOrCreateToken } = await import("../../server/token.js");
  const { fileAuditSink } = await import("../../server/audit.js");
  const { createApp } = await import("../../server/app.js");
  const { findWebRoot } = await import("../../server/static.js");
  const { defaultJournalPath } = await import("../../memory/journal.js");
  const { token } = loadOrCreateToken(options.tokenFile ?? defaultTokenFile(env, home));
  const audit = fileAuditSink(options.auditLog ?? defaultAuditLog(env, home));
  const journalPath = (pid: number, start: number) => defaultJournalPath(env, pid, start);
  const webRoot = findWebRoot(path.dirname(fileURLToPath(import.meta.url)));
  const server = createApp({
    context: run.context,
    token,
    host: options.host,
    allowHosts: options.allowHost ?? [],
    allowActions: options.allowActions === true,
    audit,
    webRoot,
    journalPath,
    journalDir: path.dirname(journalPath(1, 1)),
    secure: tls !== undefined,
    eventsIntervalMs: intervalMs,
    version: VERSION,
    onError: (error) => run.warn(`internal error: ${(error as Error).stack ?? String(error)}`),
  });
  // Ctrl-C aborts run.io.signal; SIGTERM (service managers, kill) stops the same way. Listened
  // for before the start line is printed: whoever reads that line may stop the server at once.
  let stop = (): void => {};
  const stopped = new Promise<void>((resolve) => {
    stop = () => {
      process.off("SIGTERM", stop);
      run.io.signal.removeEventListener("abort", stop);
      resolve();
    };
  });
  process.once("SIGTERM", stop);
  if (run.io.signal.aborted) stop();
  else run.io.signal.addEventListener("abort", stop, { once: true });
  let listening: Awaited<ReturnType<typeof listen>>;
  try {
    listening = await listen(server.app, { host: options.host, port, ...(tls ? { tls } : {}) });
  } catch (error) {
    stop();
    server.close();
    throw error;
  }
  const hostText = options.host.includes(":") && !options.host.startsWith("[") ? `[${options.host}]` : options.host;
  const url = `${tls ? "https" : "http"}://${hostText}:${listening.port}/?token=${token}`;
  if (webRoot === null) run.warn("the web UI is not built (npm run build): serving the API only");
  if (run.json) run.printJsonLine({ url, port: listening.port, allowActions: options.allowActions === true });
  else run.print(`procscope: serving ${url}\n`);
  await stopped;
  server.close();
  await listening.close();
}

export function registerServeCommands(program: Command, runAction: RunAction): void {
  withCommonOptions(
    program
      .command("serve")
      .description("an HTTP API and a web UI over everything procscope reads (read-only unless --allow-actions)")
      .option("--host <addr>", "address to listen on (other than loopback needs --tls-cert/--tls-key or --insecure-listen)", "127.0.0.1")
      .option("--port <n>", "port (0 picks a free one)", "7878")
      .option("--allow-actions", "allow signals, memory writes and sysctl writes (each one is audit-logged)")
      .option("--token-file <file>", "where the access token is kept (default $XDG_RUNTIME_DIR/procscope/serve-token)")
      .option("--audit-log <file>", "JSON lines of actions and secret reveals (default ~/.local/state/procscope/serve-audit.jsonl)")
      .option(
        "--allow-host <name>",
        "also answer requests whose Host header is this name (repeatable)",
        (value: string, previous: string[] = []) => [...previous, value],
      )
      .option("--tls-cert <file>", "serve HTTPS with this PEM certificate")
      .option("--tls-key <file>", "the certificate's PEM private key")
      .option("--insecure-listen", "allow plain HTTP on an address other machines can reach")
      .option("--interval <ms>", "milliseconds between the snapshots of /api/events", "1000"),
  ).action(runAction(serve));
}
