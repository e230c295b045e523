/** dashboards/procscope.json: every query parses as PromQL and names only metrics the exporter exposes. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { createAccumulator } from "../../src/exporter/accumulate.js";
import { DEFAULT_CONFIG } from "../../src/exporter/config.js";
import { renderExposition } from "../../src/exporter/render.js";
import { createExporter } from "../../src/exporter/scrape.js";
import { createProcessContext } from "../../src/processes/context.js";
import { parseExposition } from "./_metrics.js";

interface Panel {
  readonly title: string;
  readonly targets?: readonly { readonly expr: string }[];
}

const dashboard = JSON.parse(fs.readFileSync("dashboards/procscope.json", "utf8")) as {
  panels: Panel[];
  templating: { list: { definition?: string }[] };
};
const queries = [
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr }))),
  ...dashboard.templating.list.flatMap((v) => (v.definition ? [{ where: "variable", expr: v.definition }] : [])),
];

/** Every family name a scrape can show: a rendering with smaps and per-process series on. */
function exposedNames(): Set<string> {
  const acc = createAccumulator({ config: DEFAULT_CONFIG, perProcessGroups: ["g"] });
  const snapshot = acc.update([], new Map());
  const text = renderExposition(
    {
      snapshot: { ...snapshot, processes: [] },
      host: { processes: 0, threads: 0, zombies: 0, blockedTasks: 0 },
      scrapeDurationSeconds: 0,
      scrapeErrors: { vanished: 0 },
      deniedProcesses: 0,
      smaps: true,
      smapsStaleProcesses: 0,
      smapsBudgetSeconds: 0.2,
      maxSeries: 1000,
      self: {
        cpuSeconds: 0,
        residentBytes: 0,
        virtualBytes: 0,
        openFds: 0,
        maxFds: 0,
        startTimeSeconds: 0,
        heap: { totalBytes: 0, usedBytes: 0, spaces: [{ space: "new_space", totalBytes: 0 }] },
      },
    },
    false,
  );
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string));
}

describe("dashboards/procscope.json", () => {
  it("has panels for CPU, memory, I/O, fds, threads, states, deleted bytes and blocked tasks", () => {
    const all = queries.map((q) => q.expr).join("\n");
    for (const name of [
      "procscope_group_cpu_seconds_total",
      "procscope_group_memory_bytes",
      "procscope_group_read_bytes_total",
      "procscope_group_write_bytes_total",
      "procscope_group_open_filedesc",
      "procscope_group_num_threads",
      "procscope_group_states",
      "procscope_group_deleted_open_bytes",
      "procscope_group_blocked_tasks",
    ])
      expect(all).toContain(name);
  });

  it("names in every query only metrics the exporter exposes", () => {
    const exposed = exposedNames();
    // Family names of the rendering without per-process series still contain these families.
    for (const q of queries) {
      const names = [...q.expr.matchAll(/\b((?:procscope|process|nodejs)_[a-z_]+)/g)].map((m) => m[1] as string);
      expect(names.length, `${q.where}: ${q.expr}`).toBeGreaterThan(0);
      for (const name of names) expect(exposed.has(name), `${q.where}: ${name}`).toBe(true);
    }
  });

  it('selects only label names and values a real scrape has (memtype="resident", state, mode…)', () => {
    // A scrape of this host with every option on: each group shows every enumerated value.
    const exporter = createExporter(createProcessContext(openProcFs()), {
      config: DEFAULT_CONFIG,
      smaps: true,
      smapsBudgetMs: 50,
      perProcessGroups: ["node"],
    });
    const labelValues = new Map<string, Map<string, Set<string>>>();
    for (const sample of parseExposition(exporter.scrape(false))) {
      const labels = labelValues.get(sample.name) ?? new Map<string, Set<string>>();
      labelValues.set(sample.name, labels);
      for (const [label, value] of Object.entries(sample.labels)) labels.set(label, (labels.get(label) ?? new Set()).add(value));
    }
    let checked = 0;
    for (const q of queries)
      for (const [, metric, matchers] of q.expr.matchAll(/\b((?:procscope|process|nodejs)_[a-z_]+)\{([^}]*)\}/g)) {
        for (const [, label, op, value] of (matchers as string).matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)) {
          // Prometheus adds job and instance; $variables are filled in by Grafana.
          if (label === "job" || label === "instance") continue;
          const values = labelValues.get(metric as string)?.get(label as string);
          expect(values, `${q.where}: ${metric} has no label ${label}`).toBeDefined();
          if ((value as string).includes("$")) continue;
          const wanted = op === "=" || op === "!=" ? (v: string) => v === value : (v: string) => new RegExp(`^(?:${value})$`).test(v);
          expect([...(values as Set<string>)].some(wanted), `${q.where}: ${metric}{${label}${op}"${value}"} matches nothing exposed`).toBe(
            true,
          );
          checked++;
        }
      }
    expect(checked).toBeGreaterThan(0);
  });

  it("every panel query is valid PromQL (promtool check rules)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-dash-"));
    try {
      const rules = dashboard.panels.flatMap((p, i) =>
        (p.targets ?? []).map((t, j) => ({
          record: `dashboard:panel_${i}_${j}`,
          expr: t.expr.replaceAll("$__rate_interval", "1m").replaceAll("$job", ".*").replaceAll("$groupname", ".*"),
        })),
      );
      const file = path.join(dir, "rules.yml");
      fs.writeFileSync(file, JSON.stringify({ groups: [{ name: "dashboard", rules }] }));
      const r = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
      if (r.error) throw new Error(`promtool is not installed: run scripts/install-test-deps.sh (${r.error.message})`);
      expect(r.stdout + r.stderr).toContain(`SUCCESS: ${rules.length} rules found`);
      expect(r.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
