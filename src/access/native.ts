/**
 * procscope's optional native helper (native/procscope.c, built by `npm run build` into
 * dist/native/procscope.node when gcc and Node's headers are there). It does what Node cannot:
 * ask the kernel about UNIX sockets (peers, names, queues) over sock_diag netlink, and read the fd tables of many
 * processes on every core without Node's per-call overhead. Without it, callers fall back and
 * say what is missing.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

export interface NativeModule {
  /**
   * Every UNIX socket in this netns: numbers [inode, peerInode (0: none), rqueue, wqueue,
   * nameOffset, nameLength (0xffffffff: unbound), ...] and names, the sun_path bytes they point at.
   */
  unixSockets(): { numbers: Uint32Array; names: Buffer };
  /** [inode, acceptQueue, backlog, ...] of every listening TCP and TCPv6 socket in this netns. */
  tcpListenQueues(): Uint32Array;
  /** Starts reading fd tables on `threads` threads; see native/procscope.c. */
  openFdTables(pids: Int32Array, flags: number, fdinfoTypes: number, threads: number): object;
  /** Starts reading the named files ("@exe": the link) of each process on `threads` threads. */
  openProcessFiles(pids: Int32Array, names: readonly string[], threads: number): object;
  /** The next finished records of either reading, in pid order (layouts in native/procscope.c); null at the end. */
  nextRecords(handle: object): Buffer | null;
}

export interface NativeHelper {
  readonly module: NativeModule | null;
  /** Why module is null. */
  readonly reason: string;
}

/** Where the built module sits relative to this file: dist/access, dist/bin (the bundle), src/access. */
const CANDIDATES = ["../native/procscope.node", "../../native/procscope.node", "../../dist/native/procscope.node"];

let loaded: NativeHelper | undefined;

/**
 * Runs without the helper from now on, giving `reason` where it is missing (the CLI does this
 * for PROCSCOPE_NATIVE=0; the tests compare both ways). Must come before the first use.
 */
export function turnOffNativeHelper(reason: string): void {
  loaded = { module: null, reason };
}

function load(): NativeHelper {
  const require = createRequire(import.meta.url);
  for (const candidate of CANDIDATES) {
    const file = fileURLToPath(new URL(candidate, import.meta.url));
    if (!fs.existsSync(file)) continue;
    try {
      return { module: require(file) as NativeModule, reason: "" };
    } catch (error) {
      return { module: null, reason: `the native helper ${file} does not load: ${(error as Error).message.split("\n")[0]}` };
    }
  }
  return { module: null, reason: "the native helper is not built (npm run build needs gcc and Node's headers)" };
}

/** The loaded helper, or null with the reason it is missing. */
export function nativeHelper(): NativeHelper {
  loaded ??= load();
  return loaded;
}
