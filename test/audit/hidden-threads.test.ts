/**
 * hidden-process's signal-0 view and processes with many threads: every thread answers kill(0)
 * without being listed, and the view must tell it is a thread without reading its stat (the
 * kernel sums every thread of the process for /proc/TID/stat: 10,000 threads cost 10,000^2).
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { openProcFs, type ProcFs } from "../../src/access/proc-fs.js";
import type { AuditEnv } from "../../src/audit/facts.js";
import { signal0View } from "../../src/audit/rules/hidden-process.js";
import { HOSTILE_SOURCE } from "../helpers/hostile.js";
import { startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";

describe("hidden-process with a many-threaded process", () => {
  it("calls none of 300 threads hidden and reads none of their stat files", async () => {
    const helper = await startProcess(compileC("hostile", HOSTILE_SOURCE, ["-lpthread"]), ["threads", "300"]);
    await helper.waitFor(/ready threads/, 60_000);
    const tids = new Set(fs.readdirSync(`/proc/${helper.pid}/task`).map(Number));
    expect(tids.size).toBe(301);
    const base = openProcFs();
    const statReads: string[] = [];
    const procFs = new Proxy(base, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== "parse" && property !== "readText") return typeof value === "function" ? value.bind(target) : value;
        return (relPath: string, ...rest: unknown[]) => {
          const m = /^(\d+)\/stat$/.exec(relPath);
          if (m && Number(m[1]) !== helper.pid && tids.has(Number(m[1]))) statReads.push(relPath);
          return (value as (...a: unknown[]) => unknown).call(target, relPath, ...rest);
        };
      },
    }) as ProcFs;
    const findings = signal0View({ procFs } as AuditEnv);
    expect(findings.filter((f) => tids.has(f.pid as number))).toEqual([]);
    expect(statReads).toEqual([]);
    await helper.kill();
  });
});
