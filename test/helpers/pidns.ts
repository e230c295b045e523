/**
 * A private PID namespace for a test file: `unshare --pid --fork --mount-proc` running the
 * "nsinit" of test/helpers/hostile.ts (RACES_SOURCE) as its PID 1, driven line by line. Processes
 * started in it, and procscope run in it (through nsenter), see only each other: other test files
 * running meanwhile never meet them, and a PID can be handed out again on purpose (ns_last_pid).
 * Needs root.
 */
import fs from "node:fs";
import { RACES_SOURCE } from "./hostile.js";
import { type LiveProcess, startProcess } from "./live.js";
import { compileC } from "./native.js";

export interface PidNamespace {
  /** The init's PID on the host (for nsenter -t). */
  readonly hostPid: number;
  /** Sends one command; returns what follows "ok" (throws on "err"). `id` names the slot of a "start". */
  send(command: string, id?: string): Promise<string>;
  /** Starts ARGV in the namespace, waits for its first line of output; its PID there and that line. */
  start(slot: string, argv: readonly string[]): Promise<{ pid: number; line: string }>;
  /** The command prefix that runs a program inside: ["nsenter", "-t", PID, "-p", "-m"]. */
  readonly enter: readonly string[];
  close(): Promise<void>;
}

let sequence = 0;

export async function openPidNamespace(): Promise<PidNamespace> {
  if (process.getuid?.() !== 0)
    throw new Error("a private PID namespace needs root (unshare --pid, nsenter): run the suite as root, as CI does");
  const init: LiveProcess = await startProcess("unshare", [
    "--pid",
    "--fork",
    "--mount-proc",
    "--kill-child",
    compileC("races", RACES_SOURCE),
    "nsinit",
  ]);
  await init.waitFor("ready nsinit\n", 60_000);
  const hostPid = Number(fs.readFileSync(`/proc/${init.pid}/task/${init.pid}/children`, "utf8").trim().split(" ")[0]);
  const send = async (command: string, id = `c${sequence++}`): Promise<string> => {
    init.child.stdin?.write(`${id} ${command}\n`);
    const out = await init.waitFor(new RegExp(`^${id} (ok|err)[^\\n]*\\n`, "m"), 120_000);
    const [status, rest] = (new RegExp(`^${id} (ok|err) ?([^\\n]*)$`, "m").exec(out) as RegExpExecArray).slice(1);
    if (status !== "ok") throw new Error(`namespace init: ${command}: ${rest}`);
    return rest as string;
  };
  return {
    hostPid,
    send,
    async start(slot, argv) {
      if (argv.some((a) => /\s/.test(a))) throw new Error(`arguments with spaces cannot be passed to nsinit: ${argv.join(" ")}`);
      const reply = await send(`start ${argv.join(" ")}`, slot);
      const space = reply.indexOf(" ");
      return { pid: Number(reply.slice(0, space < 0 ? undefined : space)), line: space < 0 ? "" : reply.slice(space + 1) };
    },
    enter: ["nsenter", "-t", String(hostPid), "-p", "-m"],
    close: () => init.kill(),
  };
}
