/** Where the CLI writes: injected so tests can run `main()` without a child process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Raw bytes to stdout (read --raw); absent in tests, where callers fall back to latin1 text. */
  stdoutBytes?(bytes: Uint8Array): void;
  /** True when stdout is a terminal (tables fit its width, progress bars are drawn). */
  readonly isTTY: boolean;
  /** Terminal width, or undefined when not a terminal. */
  readonly columns: number | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C, so streaming commands stop cleanly. */
  readonly signal: AbortSignal;
}

export function nodeIo(signal: AbortSignal): CliIo {
  return {
    stdout: (text) => {
      process.stdout.write(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    stdoutBytes: (bytes) => {
      process.stdout.write(bytes);
    },
    isTTY: process.stdout.isTTY === true,
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
    env: process.env,
    signal,
  };
}
