/**
 * Go regex matchers, side by side with process-exporter (Debian's prometheus-process-exporter): the
 * same config's cmdline regexes, where Go and a naive JavaScript RegExp part ways, put the same live
 * processes in the same groups in both exporters; regexes Go refuses make both refuse the config.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { goRegExp } from "../../src/exporter/config.js";
import { type LiveProcess, startProcess } from "../helpers/live.js";
import { parseExposition, type RunningExporterProcess, startExporter } from "./_metrics.js";
import { startProcessExporter } from "./_servers.js";
import { installWorker } from "./_worker.js";

// [regex, an argument of the process it is tried on]; each case gets its own process and group.
const CASES: readonly (readonly [string, string])[] = [
  ["(?i:abc)d", "xABCd"],
  ["(?i:abc)d", "xABCD"],
  ["(?i)kelvin", "\u212Aelvin"],
  ["(?i)^\\S+ 0 0 0 \\S+ [^k]$", "\u212A"],
  ["\\Qa.b*\\E", "a.b*"],
  ["\\Qa.b*\\E", "axbbb"],
  ["\\p{Greek}{3}", "κλμ"],
  ["\\p{Greek}", "p{Greek}"],
  ["\\pL\\pN", "é٣"],
  ["a.b", "a\rb"],
  ["x\\sy", "x\u00A0y"],
  ["(?m)^two$", "one\ntwo\nthree"],
  ["(?s:a.b)", "a\nb"],
  ["a{,2}", "a{,2}"],
  ["[[:^alpha:]]z", "1z"],
  ["\\x{3bb}\\101", "λA"],
  ["(?U)<(?P<x>.+)>", "<a><b>"],
];

let dir: string;
let ours: RunningExporterProcess;
let theirs: { process: LiveProcess; url: string };
const workers: LiveProcess[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-gore-"));
  const worker = installWorker(dir, "pscre");
  // JSON is YAML: it carries the control characters in the regexes as they are.
  const config = {
    process_names: CASES.map(([regex], i) => ({
      name: `case${i}-{{.Matches.x}}`,
      comm: ["pscre"],
      cmdline: ["(?P<x>)", `^\\S+ 0 0 0 case${i} `, regex],
    })),
  };
  const file = path.join(dir, "config.yml");
  fs.writeFileSync(file, JSON.stringify(config));
  workers.push(
    ...(await Promise.all(CASES.map(([, input], i) => startProcess(worker, ["0", "0", "0", `case${i}`, input], { ready: "burnt" })))),
  );
  ours = await startExporter(["--config", file]);
  theirs = await startProcessExporter(file, ["-threads=false", "-children=false", "-gather-smaps=false"]);
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await theirs?.process.kill("SIGTERM");
  await ours?.process.kill("SIGTERM");
  fs.rmSync(dir, { recursive: true, force: true });
});

function groups(exposition: string, metric: string): string[] {
  return parseExposition(exposition)
    .filter((s) => s.name === metric && s.value > 0)
    .map((s) => s.labels.groupname as string)
    .sort();
}

describe("Go cmdline regexes beside process-exporter", () => {
  it("put the same processes in the same groups", async () => {
    const theirGroups = groups(await (await fetch(theirs.url)).text(), "namedprocess_namegroup_num_procs");
    const ourGroups = groups(await ours.scrape(), "procscope_group_num_procs");
    // The cases are chosen to disagree with a naive RegExp: some match, some do not.
    expect(theirGroups.length).toBeGreaterThan(3);
    expect(theirGroups.length).toBeLessThan(CASES.length);
    expect(ourGroups).toEqual(theirGroups);
  });

  it.each(["(?<=a)b", "(a)\\1", "a**", "\\Z", "[z-a]", "a{1001}", "\\p{Nope}", "(?i-)x"])("%j: both refuse the config", (regex) => {
    expect(() => goRegExp(regex)).toThrow(/invalid cmdline regex/);
    const file = path.join(dir, "bad.yml");
    fs.writeFileSync(file, JSON.stringify({ process_names: [{ name: "x", cmdline: [regex] }] }));
    const run = spawnSync("prometheus-process-exporter", [`-config.path=${file}`, "-web.listen-address=127.0.0.1:0"], {
      timeout: 10_000,
      encoding: "utf8",
    });
    expect(run.stderr).toContain("error parsing regexp");
    expect(run.status).not.toBe(0);
  });
});
