/**
 * `npm run bench`: every area's benchmark, side by side with the peer tool on the same work.
 * Prints medians and ratios (peer time / our time: above 1 means procscope is faster).
 * BENCH_ONLY=processes,files runs a subset. `npm run bench -- --soak [--minutes N]` runs only the
 * server's soak (an hour by default; see bench/serve.mjs), which no plain run (nor CI) does.
 */
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "./_util.mjs";

export async function printReport(runners) {
  const rows = [];
  const report = (name, { ours, peer, peerName, note }) => {
    const row = { name, ours, peer, peerName, ratio: peer / ours, note };
    rows.push(row);
    console.log(
      `${name.padEnd(52)} ours ${ours.toFixed(1).padStart(9)} ms   ${peerName.padEnd(28)} ${peer.toFixed(1).padStart(9)} ms   ${row.ratio.toFixed(2).padStart(6)}x${note ? `   ${note}` : ""}`,
    );
  };
  for (const run of runners) {
    try {
      await run(report);
    } catch (error) {
      console.log(`benchmark failed: ${error.message}`);
      process.exitCode = 1;
    }
  }
  return rows;
}

const main = import.meta.url === `file://${process.argv[1]}`;
// Imported only when run as the main module: serve.mjs imports this file for printReport.
const serveBench = main ? await import("./serve.mjs") : null;
const soakMinutes = serveBench?.soakMinutes(process.argv) ?? null;
if (main && soakMinutes !== null) {
  await serveBench.soak(soakMinutes);
  process.exit(); // the streaming client's keep-alive socket would hold the loop open
} else if (main) {
  const only = process.env.BENCH_ONLY?.split(",");
  const files = fs
    .readdirSync(path.join(ROOT, "bench"))
    .filter((f) => f.endsWith(".mjs") && !f.startsWith("_") && f !== "run.mjs")
    .filter((f) => !only || only.includes(f.replace(/\.mjs$/, "")))
    .sort((a, b) => (a === "processes.mjs" ? -1 : b === "processes.mjs" ? 1 : a.localeCompare(b)));
  console.log("ratio = peer time / our time (above 1: procscope is faster)\n");
  const runners = [];
  for (const file of files) {
    const module = await import(path.join(ROOT, "bench", file));
    if (typeof module.run === "function")
      runners.push(async (report) => {
        console.log(`\n## ${file.replace(/\.mjs$/, "")}`);
        await module.run(report);
      });
  }
  await printReport(runners);
}
