/** Where the CLI writes: injected so tests can run `main()` without a child process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /**
   * Raw bytes to stdout (read --raw, strings); absent in tests, where callers fall back to latin1
   * text. The bytes must not be reused until written; a returned promise resolves on drain.
   */
  stdoutBytes?(bytes: Uint8Array): void | Promise<void>;
  /** True when stdout is a terminal (tables fit its width, progress bars are drawn). */
  readonly isTTY: boolean;
  /** Terminal width, or undefined when not a terminal. */
  readonly columns: number | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C, so streaming commands stop cleanly. */
  readonly signal: AbortSignal;
}

export function nodeIo(signal: AbortSignal): CliIo {
  let drained: Promise<void> | undefined;
  return {
    stdout: (text) => {
      process.stdout.write(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    stdoutBytes: (bytes) => {
      if (process.stdout.write(bytes)) return undefined;
      // One listener however many writes wait: the first drain releases them all.
      drained ??= new Promise<void>((resolve) =>
        process.stdout.once("drain", () => {
          drained = undefined;
          resolve();
        }),
      );
      return drained;
    },
    isTTY: process.stdout.isTTY === true,
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
    env: process.env,
    signal,
  };
}
