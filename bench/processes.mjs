/**
 * Process listing with 1000 extra idle processes:
 *  - `procscope ps` (whole command, Node start-up included) vs `ps aux` and vs a psutil script
 *    reading the same columns (Python start-up included);
 *  - the library's listProcesses() vs systeminformation's processes(), in-process.
 *
 *   node bench/processes.mjs      (after `npm run build`)
 */
import { BIN, requireTool, startIdleProcesses, timeCommand, timeFunction } from "./_util.mjs";

const PSUTIL = `
import psutil
for p in psutil.process_iter(["pid", "ppid", "username", "status", "cpu_percent", "memory_info", "num_threads", "create_time", "cpu_times", "cmdline"]):
    i = p.info
    print(i["pid"], i["ppid"], i["username"], i["status"], i["memory_info"] and i["memory_info"].rss, i["num_threads"], " ".join(i["cmdline"] or []))
`;

export async function run(report) {
  requireTool("ps", "procps");
  requireTool("/usr/bin/python3", "python3-psutil");
  const crowd = await startIdleProcesses(1000);
  try {
    const ours = timeCommand(process.execPath, [BIN, "ps"]);
    const oursJson = timeCommand(process.execPath, [BIN, "ps", "--json"]);
    const psAux = timeCommand("ps", ["aux"]);
    const psutil = timeCommand("/usr/bin/python3", ["-c", PSUTIL], 7);
    report("ps (table), 1000+ processes", { ours, peer: psAux, peerName: "ps aux" });
    report("ps --json, 1000+ processes", { ours: oursJson, peer: psAux, peerName: "ps aux" });
    report("ps (table), 1000+ processes", { ours, peer: psutil, peerName: "psutil process_iter" });

    const { openProcFs, createProcessContext, listProcesses } = await import("../dist/index.js");
    const context = createProcessContext(openProcFs());
    const library = await timeFunction(() => listProcesses(context), 15);
    const si = await import("systeminformation");
    // processes() answers from a cache when called again within about a second: pause first.
    const theirs = await timeFunction(() => si.default.processes(), 5, 1500);
    report("listProcesses() vs systeminformation.processes()", { ours: library, peer: theirs, peerName: "systeminformation" });
  } finally {
    crowd.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printReport } = await import("./run.mjs");
  await printReport([run]);
}
