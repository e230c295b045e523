/** Worker thread for `strings`: runs ASCII jobs on the parent's /proc/PID/mem fd (threads share fds). */
import { parentPort } from "node:worker_threads";
import { type AsciiJob, runAsciiJob } from "./strings-fast.js";

parentPort?.on("message", (message: { id: number; fd: number; job: AsciiJob }) => {
  try {
    const result = runAsciiJob(message.fd, message.job, true);
    // Hand over an exact-size copy: the scan buffer is reused for the next job.
    const copy = Buffer.allocUnsafeSlow(result.length);
    result.output.copy(copy, 0, 0, result.length);
    const buffer = copy.buffer as ArrayBuffer;
    parentPort?.postMessage(
      { id: message.id, buffer, length: result.length, lines: result.lines, holes: result.holes, exited: result.exited },
      [buffer],
    );
  } catch (error) {
    parentPort?.postMessage({
      id: message.id,
      error: error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? ""} ${error.message}` : String(error),
    });
  }
});
