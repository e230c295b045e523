/**
 * Process listing with 1000, then 5000 extra idle processes:
 *  - `procscope ps` (whole command, Node start-up included) vs `ps aux`, run in turns with a bare
 *    `node -e 0`, so the time after Node's start-up can be set against `ps aux`'s whole time (the
 *    goal at 1000: ps − node ≤ ps aux; at 5000: ps ≤ ps aux);
 *  - vs a psutil script reading the same columns (Python start-up included);
 *  - the library's listProcesses() vs systeminformation's processes(), in-process.
 *
 *   node bench/processes.mjs      (after `npm run build`)
 */
import { BIN, requireTool, startIdleProcesses, timeCommand, timeCommandsInTurn, timeFunction } from "./_util.mjs";

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
    const [ours, psAux, bareNode] = timeCommandsInTurn([
      { command: process.execPath, args: [BIN, "ps"] },
      { command: "ps", args: ["aux"] },
      { command: process.execPath, args: ["-e", "0"] },
    ]);
    const oursJson = timeCommand(process.execPath, [BIN, "ps", "--json"]);
    const psutil = timeCommand("/usr/bin/python3", ["-c", PSUTIL], 7);
    report("ps (table), 1000+ processes", { ours, peer: psAux, peerName: "ps aux" });
    report("ps after Node start-up, 1000+ processes", {
      ours: ours - bareNode,
      peer: psAux,
      peerName: "ps aux (whole)",
      note: `node -e 0 took ${bareNode.toFixed(1)} ms; goal ≥ 1.00x`,
    });
    report("ps --json, 1000+ processes", { ours: oursJson, peer: psAux, peerName: "ps aux" });
    report("ps (table), 1000+ processes", { ours, peer: psutil, peerName: "psutil process_iter" });

    const { openProcFs, createProcessContext, listProcesses, PROCESS_SHAPE_FIELDS } = await import("../dist/index.js");
    const context = createProcessContext(openProcFs());
    const library = await timeFunction(() => listProcesses(context, { fields: PROCESS_SHAPE_FIELDS }), 15);
    const si = await import("systeminformation");
    // processes() answers from a cache when called again within about a second: pause first.
    const theirs = await timeFunction(() => si.default.processes(), 5, 1500);
    report("listProcesses() vs systeminformation.processes()", { ours: library, peer: theirs, peerName: "systeminformation" });
  } finally {
    crowd.stop();
  }
  const bigCrowd = await startIdleProcesses(5000);
  try {
    const [ours, psAux] = timeCommandsInTurn(
      [
        { command: process.execPath, args: [BIN, "ps"] },
        { command: "ps", args: ["aux"] },
      ],
      9,
    );
    report("ps (table), 5000+ processes", { ours, peer: psAux, peerName: "ps aux", note: "goal ≥ 1.00x" });
  } finally {
    bigCrowd.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printReport } = await import("./run.mjs");
  await printReport([run]);
}
