/**
 * A ProcFs over a real tree that fails at chosen paths, as the kernel does when a process exits
 * mid-listing or a file is not readable: fault injection for the listing and detail readers.
 */
import type { ProcFs, ProcessDir } from "../../src/access/proc-fs.js";

/** Returns an error to throw for `pid`/`name` (name "" = opening the directory), or undefined. */
export type FaultRule = (pid: number, name: string) => Error | undefined;

export function faultyProcFs(inner: ProcFs, rule: FaultRule): ProcFs {
  const wrapDir = (dir: ProcessDir): ProcessDir => {
    const check = (name: string) => {
      const error = rule(dir.pid, name);
      if (error) throw error;
    };
    return {
      pid: dir.pid,
      relPath: dir.relPath,
      readText: (name) => (check(name), dir.readText(name)),
      readBytes: (name) => (check(name), dir.readBytes(name)),
      readLink: (name) => (check(name), dir.readLink(name)),
      listDir: (name) => (check(name), dir.listDir(name)),
      ownerUid: () => dir.ownerUid(),
      parse: (name, parse) => (check(name), dir.parse(name, parse)),
      statFile: (name) => (check(name), dir.statFile(name)),
      lstatFile: (name) => (check(name), dir.lstatFile(name)),
      openRaw: (name, flags) => (check(name), dir.openRaw(name, flags)),
      close: () => dir.close(),
    };
  };
  return new Proxy(inner, {
    get(target, property, receiver) {
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
