/**
 * The API's endpoints. Each calls what the matching CLI command calls (noted in `cli`) and returns
 * the result unchanged, so `GET /api/processes` answers what `procscope ps --json` prints.
 */
import path from "node:path";
import type { Context } from "hono";
import { undoResultJson, writeResultJson } from "../cli/render/memory-write.js";
import { InvalidArgument } from "../errors.js";
import { jsonBody, queryParamValue } from "./params.js";
import { ApiError, resolveTarget, type Target } from "./respond.js";
import type { ApiContext, RouteSpec } from "./routes.js";

/** Longest `/memory` read: the hex viewer pages through regions a page at a time. */
export const MAX_API_READ = 1024 * 1024;
/** Most strings or search matches one request returns. */
export const MAX_API_ITEMS = 100_000;

const pidParam = (c: Context, api: ApiContext) => resolveTarget(api.context.procFs, c.req.param("pid") ?? "");

const str = (c: Context, name: string) => queryParamValue(c, name, "string") as string | undefined;
const int = (c: Context, name: string) => queryParamValue(c, name, "integer") as number | undefined;
const bool = (c: Context, name: string) => queryParamValue(c, name, "boolean") as boolean | undefined;

function bodyString(body: Record<string, unknown>, name: string, required = true): string | undefined {
  const value = body[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== "string") throw new ApiError(400, "invalid-argument", `"${name}" must be a string`);
  return value;
}

function bodyBool(body: Record<string, unknown>, name: string): boolean {
  const value = body[name];
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new ApiError(400, "invalid-argument", `"${name}" must be true or false`);
  return value;
}

function hexBytes(text: string, what: string): Buffer {
  const digits = text
    .trim()
    .replace(/^0x/i, "")
    .replace(/[\s:]+/g, "");
  if (digits === "" || !/^[0-9a-f]+$/i.test(digits) || digits.length % 2 !== 0)
    throw new ApiError(400, "invalid-argument", `${what} must be pairs of hex digits such as "de ad be ef", got "${text}"`);
  return Buffer.from(digits, "hex");
}

function pidList(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(/[\s,]+/).filter((p) => p !== "");
  if (parts.length === 0 || parts.some((p) => !/^\d{1,10}$/.test(p) || Number(p) === 0))
    throw new ApiError(400, "invalid-argument", `pid must be a comma-separated list of PIDs, got "${text}"`);
  return parts.map(Number);
}

/**
 * A process that exits while its memory is scanned ends the library's stream early (the CLI says so
 * on stderr); an array answer cannot say it is cut short, so the API answers 410 instead.
 */
function exitedMidRead(target: Target, bytes: number): ApiError {
  return new ApiError(
    410,
    "process-gone",
    `process ${target.pid}@${target.startTimeTicks} exited while its memory was being read (after ${bytes} bytes): the answer would be incomplete`,
  );
}

export function apiRoutes(): RouteSpec[] {
  return [
    {
      method: "GET",
      path: "/api/processes",
      summary: "All processes",
      cli: "ps --json",
      schema: "Process[]",
      query: [
        { name: "filter", type: "string", description: "only processes whose command line or name contains this text" },
        {
          name: "sort",
          type: "string",
          description: "sort key (pid, ppid, user, state, cpu, rss, vsz, threads, start, time, comm, command); - prefix for descending",
        },
        { name: "user", type: "string", description: "only this user's processes (name or uid)" },
        { name: "pid", type: "string", description: "only these PIDs (comma-separated)" },
        { name: "kernel", type: "boolean", description: "false hides kernel threads" },
      ],
      handler: async (c, api) => {
        const { psRows } = await import("../queries/processes.js");
        const pids = pidList(str(c, "pid"));
        const filter = str(c, "filter");
        const sort = str(c, "sort");
        const user = str(c, "user");
        const kernel = bool(c, "kernel");
        const { rows, skipped } = psRows(api.context, {
          ...(filter === undefined ? {} : { filter }),
          ...(sort === undefined ? {} : { sort }),
          ...(user === undefined ? {} : { user }),
          ...(pids === undefined ? {} : { pids }),
          ...(kernel === undefined ? {} : { kernel }),
        });
        // What could not be read is counted (ps warns about it on stderr).
        if (skipped.count > 0) c.header("X-Procscope-Skipped", JSON.stringify(skipped));
        return rows;
      },
    },
    {
      method: "GET",
      path: "/api/processes/:pid",
      summary: "Everything about one process",
      cli: "show PID --json",
      schema: "ProcessDetails",
      handler: async (c, api) => {
        const target = pidParam(c, api);
        const { getProcessDetails } = await import("../processes/details.js");
        return getProcessDetails(api.context, target.pid);
      },
    },
    {
      method: "GET",
      path: "/api/processes/:pid/maps",
      summary: "Memory regions of a process",
      cli: "maps PID [--smaps] --json",
      schema: "Maps",
      query: [{ name: "smaps", type: "boolean", description: "add rss, pss, clean/dirty and swap per region, with totals" }],
      handler: async (c, api) => {
        const target = pidParam(c, api);
        const { mapsResult } = await import("../queries/memory.js");
        const { problemsOf } = await import("../procfs/_lines.js");
        const entries = mapsResult(api.context.procFs, target.pid, { smaps: bool(c, "smaps") === true });
        // The body stays an array of regions: the lines skipped go beside it (maps warns about them on stderr).
        const problems = problemsOf(entries);
        // Excerpts are another process's text: \u-escaped past ASCII, as a header value must be.
        const ascii = (json: string) => json.replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
        if (problems.length > 0) c.header("X-Procscope-Skipped-Lines", ascii(JSON.stringify(problems)));
        return entries;
      },
    },
    {
      method: "GET",
      path: "/api/processes/:pid/memory",
      summary: `Bytes of a process's memory as hex (at most ${MAX_API_READ} per request)`,
      cli: "read PID ADDR LEN --json",
      schema: "MemoryRead",
      query: [
        { name: "address", type: "string", required: true, description: "hex address (0x7ffd…) or REGION[+-OFFSET] such as heap+0x10" },
        { name: "length", type: "string", required: true, description: `bytes to read: 64, 0x40, 4k (at most ${MAX_API_READ})` },
      ],
      handler: async (c, api) => {
        const target = pidParam(c, api);
        const { parseByteCount, resolveAddress } = await import("../memory/regions.js");
        const { readMaps } = await import("../memory/maps.js");
        const { memoryReadResult } = await import("../queries/memory.js");
        const length = parseByteCount(str(c, "length") ?? "");
        if (length <= 0) throw new InvalidArgument("length must be at least 1 byte");
        if (length > MAX_API_READ)
          throw new ApiError(400, "invalid-argument", `length ${length} is over the API's cap of ${MAX_API_READ} bytes per request`);
        const addressText = str(c, "address") ?? "";
        const address = /^(0x)?[0-9a-f]+$/i.test(addressText.trim())
          ? (await import("../memory/regions.js")).parseHexAddress(addressText)
          : resolveAddress(addressText, readMaps(api.context.procFs, target.pid), target.pid);
        return await memoryReadResult(api.context.procFs, target.pid, address, length, api.signal);
      },
    },
    {
      method: "GET",
      path: "/api/processes/:pid/strings",
      summary: "Printable text in a process's memory",
      cli: "strings PID --json",
      schema: "StringRecord[]",
      query: [
        {
          name: "region",
          type: "string",
          description: "heap, stack, anon, rw, all, a path substring, 0xSTART-0xEND (default: writable private regions)",
        },
        { name: "min", type: "integer", description: "shortest string (default 4)" },
        { name: "encoding", type: "string", description: "ascii (default), utf16le or all" },
        { name: "limit", type: "integer", description: `at most this many strings (default and cap ${MAX_API_ITEMS})` },
      ],
      handler: async (c, api) => {
        const target = pidParam(c, api);
        const { parseRegionSelector } = await import("../memory/regions.js");
        const { stringRecords } = await import("../queries/memory.js");
        const encoding = str(c, "encoding") ?? "ascii";
        if (!["ascii", "utf16le", "all"].includes(encoding))
          throw new InvalidArgument(`encoding must be ascii, utf16le or all, got "${encoding}"`);
        const regionText = str(c, "region");
        const min = int(c, "min");
        const limit = Math.min(int(c, "limit") ?? MAX_API_ITEMS, MAX_API_ITEMS);
        const { newStringsStats } = await import("../memory/strings.js");
        const stats = newStringsStats();
        const out = [];
        for await (const record of stringRecords(api.context.procFs, target.pid, {
          encoding: encoding as "ascii",
          limit,
          stats,
          signal: api.signal,
          ...(regionText === undefined ? {} : { region: parseRegionSelector(regionText) }),
          ...(min === undefined ? {} : { minLength: min }),
        }))
          out.push(record);
        if (stats.exited) throw exitedMidRead(target, stats.bytes);
        return out;
      },
    },
    {
      method: "GET",
      path: "/api/processes/:pid/search",
      summary: "Find text, bytes or a regex in a process's memory",
      cli: "search PID PATTERN --json",
      schema: "Match[]",
      query: [
        { name: "pattern", type: "string", required: true, description: "what to look for" },
        { name: "hex", type: "boolean", description: 'the pattern is hex bytes: "de ad be ef"' },
        { name: "regex", type: "boolean", description: "the pattern is a regular expression (over bytes)" },
        { name: "ignoreCase", type: "boolean", description: "ASCII letters match either case" },
        { name: "utf16", type: "boolean", description: "look for the text encoded as UTF-16LE" },
        { name: "region", type: "string", description: "regions to search (default: writable private regions)" },
        { name: "max", type: "integer", description: `stop after this many matches (default and cap ${MAX_API_ITEMS})` },
      ],
      handler: async (c, api) => {
        const target = pidParam(c, api);
        const pattern = str(c, "pattern");
        if (pattern === undefined || pattern === "") throw new ApiError(400, "invalid-argument", "pattern is required");
        const { compilePattern, newSearchStats, search } = await import("../memory/search.js");
        const { parseRegionSelector } = await import("../memory/regions.js");
        const compiled = compilePattern({
          pattern,
          hex: bool(c, "hex") === true,
          regex: bool(c, "regex") === true,
          ignoreCase: bool(c, "ignoreCase") === true,
          utf16: bool(c, "utf16") === true,
        });
        const regionText = str(c, "region");
        const max = Math.min(int(c, "max") ?? MAX_API_ITEMS, MAX_API_ITEMS);
        const stats = newSearchStats();
        const out = [];
        for await (const match of search(api.context.procFs, target.pid, compiled, {
          max,
          stats,
          signal: api.signal,
          ...(regionText === undefined ? {} : { region: parseRegionSelector(regionText) }),
        }))
          out.push(match);
        if (stats.exited.includes(target.pid)) throw exitedMidRead(target, stats.bytes);
        return out;
      },
    },
    {
      method: "GET",
      path: "/api/processes/:pid/fds",
      summary: "Open file descriptors of a process",
      cli: "fds PID --json",
      schema: "FileDescriptor[]",
      handler: async (c, api) => {
        const target = pidParam(c, api);
        const { listFds } = await import("../files/fds.js");
        return listFds(api.context.procFs, target.pid);
      },
    },
    {
      method: "GET",
      path: "/api/processes/:pid/fds/:fd/content",
      summary:
        "The bytes of a regular file (or memfd) a process holds open, deleted or not, as recover copies them: read through /proc/PID/fd/N on its own offset, so the process is not disturbed",
      cli: "recover PID FD OUT",
      download: true,
      handler: async (c, api) => {
        const target = pidParam(c, api);
        const fdText = c.req.param("fd") ?? "";
        if (!/^\d{1,10}$/.test(fdText)) throw new ApiError(400, "invalid-argument", `fd must be a number, got "${fdText}"`);
        const { openRecoverable } = await import("../files/recover.js");
        const file = openRecoverable(api.context.procFs, target.pid, Number(fdText), { startTimeTicks: target.startTimeTicks });
        const chunks = file.chunks({ signal: api.signal });
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            try {
              const next = await chunks.next();
              if (next.done) controller.close();
              else controller.enqueue(next.value);
            } catch (error) {
              // Headers are gone: a file that shrank mid-copy ends the response short of Content-Length.
              controller.error(error);
            }
          },
          async cancel() {
            await chunks.return(undefined);
            file.close(); // a generator never started does not run its finally
          },
        });
        return new Response(body, {
          headers: {
            "Content-Type": "application/octet-stream",
            "Content-Length": String(file.sizeBytes),
            "Content-Disposition": `attachment; filename="${file.name}"`,
            "Cache-Control": "no-store",
            "X-Procscope-Source": encodeURIComponent(file.source ?? ""),
            "X-Procscope-Deleted": String(file.deleted),
          },
        });
      },
    },
    {
      method: "GET",
      path: "/api/processes/:pid/threads",
      summary: "Threads of a process: state, CPU, wchan, context switches, current syscall",
      cli: "threads PID --json",
      schema: "Thread[]",
      handler: async (c, api) => {
        const target = pidParam(c, api);
        const { listThreads } = await import("../threads/threads.js");
        return listThreads(api.context, target.pid);
      },
    },
    {
      method: "GET",
      path: "/api/processes/:pid/stacks",
      summary: "Kernel stacks of a process's threads, identical ones grouped (root only)",
      cli: "stack PID --json",
      schema: "Stacks",
      handler: async (c, api) => {
        const target = pidParam(c, api);
        const { stackResult } = await import("../queries/kernel.js");
        return stackResult(api.context, target.pid);
      },
    },
    {
      method: "GET",
      path: "/api/processes/:pid/environ",
      summary: "Environment of a process (secrets redacted unless ?reveal=secrets)",
      cli: "show PID --field environ --json (its pid and environ)",
      schema: "Environ",
      handler: async (c, api) => {
        const target = pidParam(c, api);
        const { getProcessDetails } = await import("../processes/details.js");
        const details = getProcessDetails(api.context, target.pid, { require: ["environ"] });
        return { pid: details.pid, environ: details.environ };
      },
    },
    {
      method: "GET",
      path: "/api/lsof",
      summary: "Open files across processes",
      cli: "lsof --json",
      schema: "ProcessFiles[]",
      query: [
        { name: "pid", type: "string", description: "only these PIDs (comma-separated)" },
        {
          name: "type",
          type: "string",
          description: "only fds of this type: file, dir, pipe, fifo, socket, anon_inode, memfd, dev, tty, unknown",
        },
      ],
      handler: async (c, api) => {
        const { FD_TYPES, LISTING_FDINFO, listOpenFiles } = await import("../files/fds.js");
        const pids = pidList(str(c, "pid"));
        const type = str(c, "type");
        if (type !== undefined && !(FD_TYPES as readonly string[]).includes(type))
          throw new InvalidArgument(`type must be one of ${FD_TYPES.join(", ")}, got "${type}"`);
        return listOpenFiles(api.context, {
          ...LISTING_FDINFO,
          ...(pids ? { pids } : {}),
          ...(type ? { filter: (f: { type: string }) => f.type === type } : {}),
        });
      },
    },
    {
      method: "GET",
      path: "/api/peers",
      summary: "Pipes, FIFOs and sockets joining processes, with both ends",
      cli: "peers [PID] --json",
      schema: "Channel[]",
      query: [{ name: "pid", type: "integer", description: "only channels with an end in this process" }],
      handler: async (c, api) => {
        const pid = int(c, "pid");
        if (pid !== undefined) resolveTarget(api.context.procFs, String(pid));
        const { listChannels } = await import("../files/channels.js");
        return listChannels(api.context, pid === undefined ? {} : { pid });
      },
    },
    {
      method: "GET",
      path: "/api/net",
      summary: "Sockets from /proc/net with the processes holding them",
      cli: "net [PID] --json",
      schema: "SocketTable",
      query: [{ name: "pid", type: "integer", description: "only sockets of this process (read from its network namespace)" }],
      handler: async (c, api) => {
        const pid = int(c, "pid");
        if (pid !== undefined) resolveTarget(api.context.procFs, String(pid));
        const { listSockets } = await import("../files/sockets.js");
        return listSockets(api.context, pid === undefined ? {} : { pid });
      },
    },
    {
      method: "GET",
      path: "/api/system",
      summary: "System overview: uptime, load, memory, CPUs, kernel",
      cli: "sys --json",
      schema: "SystemOverview",
      handler: async (_c, api) => {
        const { readSystemOverview } = await import("../system/overview.js");
        return readSystemOverview(api.context.procFs);
      },
    },
    {
      method: "GET",
      path: "/api/system/:name",
      summary: "One system file parsed (meminfo, cpuinfo, loadavg, stat, vmstat, …)",
      cli: "sys NAME --json",
      handler: async (c, api) => {
        const { readSystemFile } = await import("../system/overview.js");
        return readSystemFile(api.context.procFs, c.req.param("name") ?? "");
      },
    },
    {
      method: "GET",
      path: "/api/sysctl",
      summary: "Kernel tunables under /proc/sys",
      cli: "sysctl [NAME] --json",
      schema: "SysctlEntry[]",
      query: [{ name: "name", type: "string", description: "a key, a group, a glob or text in the name" }],
      handler: async (c, api) => {
        const { listSysctl } = await import("../kernel/sysctl.js");
        const name = str(c, "name");
        return listSysctl(api.context.procFs, name === undefined ? {} : { pattern: name });
      },
    },
    {
      method: "POST",
      path: "/api/processes/:pid/signal",
      summary: "Send a signal (actions only)",
      action: true,
      body: [{ name: "signal", type: "string", required: true, description: "TERM, KILL, INT, HUP, STOP, CONT, USR1… or a number" }],
      handler: async (c, api) => {
        const target = pidParam(c, api);
        const body = await jsonBody(c);
        const { sendSignal } = await import("../processes/signal.js");
        return sendSignal(api.context.procFs, target, bodyString(body, "signal") as string);
      },
    },
    {
      method: "POST",
      path: "/api/processes/:pid/replace",
      summary: "Replace text in a process's memory: a preview unless apply is true (actions only)",
      cli: "replace PID OLD NEW [--yes] --json",
      action: true,
      body: [
        { name: "old", type: "string", required: true, description: "text (or hex with hex: true) to find" },
        { name: "new", type: "string", required: true, description: "what to put in its place" },
        { name: "hex", type: "boolean", description: "old and new are hex bytes" },
        { name: "apply", type: "boolean", description: "really write (freeze, write, verify, journal); default false: a preview" },
        { name: "region", type: "string", description: "where to look (default: writable private regions)" },
        { name: "pad", type: "boolean", description: "fill a shorter new with NUL bytes" },
      ],
      handler: async (c, api) => {
        const target = pidParam(c, api);
        const body = await jsonBody(c);
        const hex = bodyBool(body, "hex");
        const oldText = bodyString(body, "old") as string;
        const newText = bodyString(body, "new") as string;
        const oldBytes = hex ? hexBytes(oldText, "old") : Buffer.from(oldText, "utf8");
        const newBytes = hex ? hexBytes(newText, "new") : Buffer.from(newText, "utf8");
        if (oldBytes.length === 0) throw new ApiError(400, "invalid-argument", "old is empty: say what text to replace");
        const regionText = bodyString(body, "region", false);
        const { parseRegionSelector } = await import("../memory/regions.js");
        const { replace } = await import("../memory/write.js");
        const result = await replace(api.context.procFs, target.pid, oldBytes, newBytes, {
          apply: bodyBool(body, "apply"),
          pad: bodyBool(body, "pad"),
          startTimeTicks: target.startTimeTicks,
          journal: api.journalPath,
          signal: api.signal,
          ...(regionText === undefined ? {} : { region: parseRegionSelector(regionText) }),
        });
        return writeResultJson(result);
      },
    },
    {
      method: "POST",
      path: "/api/processes/:pid/write",
      summary: "Write bytes at an address: a preview unless apply is true (actions only)",
      cli: "write PID ADDR --text|--hex [--yes] --json",
      action: true,
      body: [
        { name: "address", type: "string", required: true, description: "hex address or REGION+OFFSET" },
        { name: "text", type: "string", description: "the bytes as UTF-8 text" },
        { name: "hex", type: "string", description: "the bytes as hex" },
        { name: "apply", type: "boolean", description: "really write; default false: a preview" },
      ],
      handler: async (c, api) => {
        const target = pidParam(c, api);
        const body = await jsonBody(c);
        const text = bodyString(body, "text", false);
        const hex = bodyString(body, "hex", false);
        if ((text === undefined) === (hex === undefined))
          throw new ApiError(400, "invalid-argument", 'give exactly one of "text" or "hex"');
        const bytes = text !== undefined ? Buffer.from(text, "utf8") : hexBytes(hex as string, "hex");
        if (bytes.length === 0) throw new ApiError(400, "invalid-argument", "nothing to write");
        const { parseHexAddress, resolveAddress } = await import("../memory/regions.js");
        const { readMaps } = await import("../memory/maps.js");
        const addressText = bodyString(body, "address") as string;
        const address = /^(0x)?[0-9a-f]+$/i.test(addressText.trim())
          ? parseHexAddress(addressText)
          : resolveAddress(addressText, readMaps(api.context.procFs, target.pid), target.pid);
        const { writeMemory } = await import("../memory/write.js");
        const result = await writeMemory(api.context.procFs, target.pid, address, bytes, {
          apply: bodyBool(body, "apply"),
          startTimeTicks: target.startTimeTicks,
          journal: api.journalPath,
          signal: api.signal,
        });
        return writeResultJson(result);
      },
    },
    {
      method: "POST",
      path: "/api/undo",
      summary: "Put back what a journal recorded, where memory still holds what was written (actions only)",
      cli: "undo JOURNAL --json",
      action: true,
      body: [
        {
          name: "journal",
          type: "string",
          required: true,
          description: "the journal's file name, as a write returned it (in the server's journal directory)",
        },
      ],
      handler: async (c, api) => {
        const body = await jsonBody(c);
        const name = path.basename(bodyString(body, "journal") as string);
        if (!/^journal-\d+-\d+\.jsonl$/.test(name))
          throw new ApiError(400, "invalid-argument", `"${name}" is not a journal name (journal-PID-STARTTICKS.jsonl)`);
        const { undo } = await import("../memory/write.js");
        const result = await undo(api.context.procFs, path.join(api.journalDir, name), { signal: api.signal });
        return undoResultJson(result);
      },
    },
    {
      method: "POST",
      path: "/api/sysctl",
      summary: "Write a kernel tunable: a preview unless apply is true (actions only)",
      cli: "sysctl NAME VALUE [--yes] --json",
      action: true,
      body: [
        { name: "name", type: "string", required: true, description: "the key, e.g. vm.swappiness" },
        { name: "value", type: "string", required: true, description: "the new value" },
        { name: "apply", type: "boolean", description: "really write, then read back; default false: a preview" },
      ],
      handler: async (c, api) => {
        const body = await jsonBody(c);
        const { writeSysctl } = await import("../kernel/sysctl.js");
        return writeSysctl(api.context.procFs, bodyString(body, "name") as string, bodyString(body, "value") as string, {
          apply: bodyBool(body, "apply"),
        });
      },
    },
  ];
}
