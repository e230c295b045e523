/**
 * Dumping regions to files: one file per region (holes left as sparse zeros so file offsets
 * match addresses) plus index.json. Everything is written into a temporary directory beside the
 * target and renamed into place only when complete, so a half-written dump never looks finished.
 */
import fs from "node:fs";
import path from "node:path";
import type { ProcFs } from "../access/proc-fs.js";
import { Conflict, errnoCode, InvalidArgument } from "../errors.js";
import type { DumpedRegion, DumpIndex } from "../model/memory.js";
import type { Hole } from "../model/region.js";
import { openProcessMemory } from "./reader.js";
import { type RegionSelector, selectRegions } from "./regions.js";
import { scan } from "./scan.js";

export type { DumpedRegion, DumpIndex };

export interface DumpOptions {
  readonly signal?: AbortSignal;
  /** Called after each chunk with bytes done and bytes planned (for a progress bar). */
  readonly onProgress?: (done: number, total: number) => void;
}

function safeName(label: string): string {
  return label.replace(/[^A-Za-z0-9._+-]/g, "_").slice(0, 60);
}

/**
 * Dumps the selected regions of process `pid` into directory `outDir`, which must not exist
 * (or be empty). Returns the index, also written as outDir/index.json.
 * await dumpRegions(openProcFs(), 42, parseRegionSelector("heap"), "/tmp/heap-dump")
 */
export async function dumpRegions(
  procFs: ProcFs,
  pid: number,
  selector: RegionSelector,
  outDir: string,
  options: DumpOptions = {},
): Promise<DumpIndex> {
  const target = path.resolve(outDir);
  if (fs.existsSync(target)) {
    const stat = fs.statSync(target);
    if (!stat.isDirectory()) throw new Conflict(`"${outDir}" exists and is not a directory: refusing to overwrite it`);
    if (fs.readdirSync(target).length > 0)
      throw new Conflict(`"${outDir}" is not empty: refusing to overwrite a dump; choose a new directory`);
  }
  if (!fs.existsSync(path.dirname(target))) throw new InvalidArgument(`the parent of "${outDir}" does not exist`);
  const memory = openProcessMemory(procFs, pid);
  const temp = `${target}.partial-${process.pid}`;
  let fd = -1;
  try {
    const selected = selectRegions(memory.regions, selector, pid).filter((s) => s.region.kind !== "vsyscall");
    const total = selected.reduce((sum, s) => sum + Number(s.end - s.start), 0);
    try {
      fs.mkdirSync(temp);
    } catch (error) {
      const code = errnoCode(error);
      const why =
        code === "ENOENT" || code === "EPERM" || code === "EROFS" || code === "EACCES"
          ? code === "EACCES"
            ? "permission denied"
            : "nothing can be created there (a read-only file system, or a kernel one such as /proc or /sys)"
          : String(code ?? error);
      throw new InvalidArgument(`cannot create the dump directory "${outDir}": ${why}`, { cause: error });
    }
    const dumped: DumpedRegion[] = [];
    const holes = new Map<number, Hole[]>();
    const bytesRead = new Map<number, number>();
    const files = selected.map(
      (s, i) => `${String(i).padStart(3, "0")}-${s.start.toString(16)}-${s.end.toString(16)}-${safeName(s.region.label)}.bin`,
    );
    let index = -1;
    let done = 0;
    let exited = false;
    let current: (typeof selected)[number] | undefined;
    const openNext = () => {
      if (fd >= 0) {
        fs.ftruncateSync(fd, Number((current as (typeof selected)[number]).end - (current as (typeof selected)[number]).start));
        fs.closeSync(fd);
        fd = -1;
      }
      index++;
      current = selected[index];
      if (current) fd = fs.openSync(path.join(temp, files[index] as string), "wx");
    };
    openNext();
    for await (const event of scan(memory, selected, options.signal ? { signal: options.signal } : {})) {
      if (event.kind === "exited") {
        exited = true;
        break;
      }
      const start = (current as (typeof selected)[number]).start;
      if (event.kind === "region-done") {
        openNext();
        continue;
      }
      if (event.kind === "hole") {
        const list = holes.get(index) ?? [];
        list.push({ address: event.address, lengthBytes: event.length, reason: event.reason });
        holes.set(index, list);
        done += event.length;
      } else {
        fs.writeSync(fd, event.bytes, 0, event.bytes.length, Number(event.address - start));
        bytesRead.set(index, (bytesRead.get(index) ?? 0) + event.bytes.length);
        done += event.bytes.length;
      }
      options.onProgress?.(done, total);
    }
    if (fd >= 0) {
      fs.closeSync(fd);
      fd = -1;
    }
    if (options.signal?.aborted) throw new Conflict("dump interrupted: nothing was kept");
    selected.forEach((s, i) => {
      if (i > index || (exited && i === index && !bytesRead.has(i))) return;
      dumped.push({
        region: s.region,
        start: s.start,
        end: s.end,
        sizeBytes: Number(s.end - s.start),
        readBytes: bytesRead.get(i) ?? 0,
        file: files[i] as string,
        holes: holes.get(i) ?? [],
      });
    });
    for (const name of fs.readdirSync(temp)) if (!dumped.some((d) => d.file === name)) fs.unlinkSync(path.join(temp, name));
    const result: DumpIndex = {
      pid,
      comm: memory.comm,
      startTimeTicks: memory.startTimeTicks,
      selector: selector.text,
      regions: dumped,
      exited,
      totalBytes: dumped.reduce((sum, d) => sum + d.readBytes, 0),
    };
    fs.writeFileSync(
      path.join(temp, "index.json"),
      `${JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v), 2)}\n`,
    );
    if (fs.existsSync(target)) fs.rmdirSync(target);
    fs.renameSync(temp, target);
    return result;
  } catch (error) {
    if (fd >= 0) fs.closeSync(fd);
    fs.rmSync(temp, { recursive: true, force: true });
    throw error;
  } finally {
    memory.close();
  }
}
