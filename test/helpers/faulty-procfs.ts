/**
 * A ProcFs over a real tree that fails at chosen paths, as the kernel does when a process exits
 * mid-listing or a file is not readable: fault injection for the listing and detail readers.
 */
import type { ProcessDir, ProcFs } from "../../src/access/proc-fs.js";

/** Returns an error to throw for `pid`/`name` (name "" = opening the directory), or undefined. */
export type FaultRule = (pid: number, name: string) => Error | undefined;

export function faultyProcFs(inner: ProcFs, rule: FaultRule): ProcFs {
  // Every ProcessDir method whose first argument is a file name can fail; the rest pass through.
  const wrapDir = (dir: ProcessDir): ProcessDir =>
    new Proxy(dir, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (typeof args[0] === "string") {
            const error = rule(target.pid, args[0]);
            if (error) throw error;
          }
          return value.apply(target, args);
        };
      },
    });
  return new Proxy(inner, {
    get(target, property, receiver) {
      // The native readers (fd tables, process files) would read around the injected faults.
      if (property === "native") return () => ({ module: null, reason: "turned off by the fault injection" });
      if (property === "openProcess") {
        return (pid: number, tid?: number) => {
          const error = rule(pid, "");
          if (error) throw error;
          return wrapDir(target.openProcess(pid, tid));
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
