/** Worker thread for `strings`: runs ASCII jobs on the parent's /proc/PID/mem fd (threads share fds). */
import { parentPort } from "node:worker_threads";
import { type AsciiJob, runAsciiJob, type WorkerReply } from "./strings-fast.js";

parentPort?.on("message", (message: { id: number; fd: number; job: AsciiJob }) => {
  let reply: WorkerReply;
  try {
    reply = { id: message.id, result: runAsciiJob(message.fd, message.job) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    reply = { id: message.id, error: error instanceof Error ? `${code ? `${code} ` : ""}${error.message}` : String(error) };
  }
  // The output has a buffer of its own (not from the pool), so it is moved, not copied.
  parentPort?.postMessage(reply, reply.result ? [reply.result.output.buffer as ArrayBuffer] : []);
});
