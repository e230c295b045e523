/**
 * Waiting in tests: never a fixed sleep, always a condition polled until a deadline, so a slow
 * machine only makes a test slower, never wrong, and a fast one never waits for nothing.
 */

export interface WaitOptions {
  /** Give up after this long (default 10 s) with an error naming `what`. */
  readonly timeoutMs?: number;
  /** Time between two probes (default 20 ms). */
  readonly everyMs?: number;
}

/**
 * Calls `probe` until it returns something other than `undefined` or `false`, and returns that;
 * throws `timed out waiting for WHAT` after the deadline (the last probe error, if any, as cause).
 * `await waitUntil("the writer's pipe", () => findWriter())`.
 */
export async function waitUntil<T>(what: string, probe: () => T | undefined | false, options: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out waiting for ${what}`, lastError === undefined ? undefined : { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 20));
  }
}
