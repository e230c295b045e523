/**
 * The alert rules the docs give, taken from the docs as users copy them: valid for Prometheus
 * (promtool check rules), naming only metrics the exporter exposes, and firing when they should
 * and not forever (promtool test rules over series shaped like the exporter's).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METRIC_FAMILIES } from "../../src/exporter/render.js";

const SOURCES = ["docs/exporter.md", "README.md"];

/** The ```yaml blocks of a Markdown file that hold a rule group. */
function ruleBlocks(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  return [...text.matchAll(/^```yaml\n([\s\S]*?)^```/gm)].map((m) => m[1] as string).filter((b) => /^groups:/m.test(b));
}

function promtool(args: readonly string[]): { status: number | null; output: string } {
  const r = spawnSync("promtool", args as string[], { encoding: "utf8" });
  if (r.error)
    throw new Error(
      `promtool is not installed: run \`apt-get install -y prometheus\` as root (or scripts/install-test-deps.sh): ${r.error.message}`,
    );
  return { status: r.status, output: r.stdout + r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-alerts-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const INSTANCE = 'job="procscope",instance="host1:9640"';

/** promtool unit tests (`tests:` entries) per alert, over series shaped like the exporter's. */
const RULE_TESTS: Readonly<Record<string, string>> = {
  ExporterCannotReadProcesses: `
  # root in a container: /proc/1/io stays denied; the denied counter counted it once.
  - interval: 1m
    input_series:
      - series: 'procscope_denied_processes{${INSTANCE}}'
        values: '1x120'
      - series: 'procscope_host_processes{${INSTANCE}}'
        values: '300x120'
      - series: 'procscope_scrape_errors_total{${INSTANCE},reason="denied"}'
        values: '1x120'
    alert_rule_test:
      - eval_time: 2h
        alertname: ExporterCannotReadProcesses
        exp_alerts: []
  # An exporter without privilege: most processes unreadable, every scrape.
  - interval: 1m
    input_series:
      - series: 'procscope_denied_processes{${INSTANCE}}'
        values: '200x60'
      - series: 'procscope_host_processes{${INSTANCE}}'
        values: '300x60'
    alert_rule_test:
      - eval_time: 30m
        alertname: ExporterCannotReadProcesses
        exp_alerts:
          - exp_labels: {job: procscope, instance: "host1:9640"}
`,
  ProcessGroupNotRunning: `
  # postgres runs, its processes all exit, then the exporter restarts (the empty group is gone).
  - interval: 1m
    input_series:
      - series: 'procscope_group_num_procs{${INSTANCE},groupname="postgres"}'
        values: '3x10 0x10 _x20'
    alert_rule_test:
      - eval_time: 5m
        alertname: ProcessGroupNotRunning
        exp_alerts: []
      - eval_time: 35m
        alertname: ProcessGroupNotRunning
        exp_alerts:
          - exp_labels: {}
`,
  ProcessGroupVanished: `
  - interval: 1m
    input_series:
      - series: 'procscope_group_num_procs{${INSTANCE},groupname="postgres"}'
        values: '3x10 0x10 _x20'
    alert_rule_test:
      - eval_time: 5m
        alertname: ProcessGroupVanished
        exp_alerts: []
      - eval_time: 18m
        alertname: ProcessGroupVanished
        exp_alerts:
          - exp_labels: {job: procscope, instance: "host1:9640", groupname: postgres}
`,
  DeletedFilesHoldingSpace: `
  # 2 GB held, then growing: fires after 30 minutes of growth, not while flat.
  - interval: 1m
    input_series:
      - series: 'procscope_group_deleted_open_bytes{${INSTANCE},groupname="app"}'
        values: '2e9x60 2e9+1e7x90'
    alert_rule_test:
      - eval_time: 55m
        alertname: DeletedFilesHoldingSpace
        exp_alerts: []
      - eval_time: 2h30m
        alertname: DeletedFilesHoldingSpace
        exp_alerts:
          - exp_labels: {job: procscope, instance: "host1:9640", groupname: app}
`,
};

describe.each(SOURCES)("alert rules in %s", (source) => {
  const blocks = ruleBlocks(source);

  it("are there, valid for promtool check rules", () => {
    expect(blocks.length).toBeGreaterThan(0);
    blocks.forEach((block, i) => {
      const file = path.join(dir, `${path.basename(source)}-${i}.yml`);
      fs.writeFileSync(file, block);
      const r = promtool(["check", "rules", file]);
      expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
      expect(r.status, r.output).toBe(0);
    });
  });

  it("name only metrics the exporter exposes", () => {
    for (const block of blocks)
      for (const [, name] of block.matchAll(/\b(procscope_[a-z_]+)/g)) expect(Object.keys(METRIC_FAMILIES), name).toContain(name);
  });

  it("fire when they should and stop when they should (promtool test rules)", () => {
    const rulesFile = path.join(dir, `${path.basename(source)}-all.yml`);
    fs.writeFileSync(rulesFile, blocks.join("\n"));
    const testsFile = path.join(dir, `${path.basename(source)}-tests.yml`);
    const alerts = blocks.flatMap((b) => [...b.matchAll(/alert: (\w+)/g)].map((m) => m[1] as string));
    const tests = alerts.flatMap((a) => RULE_TESTS[a] ?? []);
    expect(tests.length).toBeGreaterThan(0);
    fs.writeFileSync(testsFile, `rule_files: [${JSON.stringify(rulesFile)}]\nevaluation_interval: 1m\ntests:\n${tests.join("")}`);
    const r = promtool(["test", "rules", testsFile]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain("SUCCESS");
  });
});
