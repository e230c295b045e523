/** The text form of `diff`: one section per kind of change, empty sections left out. */
import { escapeControl } from "../../bytes.js";
import type { DiffProcess, SnapshotDiff } from "../../capture/diff.js";
import { humanBytes } from "./table.js";

function who(p: DiffProcess): string {
  const command = p.cmdline && p.cmdline.length > 0 ? p.cmdline.join(" ") : p.comm;
  return `${p.pid} ${command}`;
}

export function renderDiff(d: SnapshotDiff): string {
  const lines: string[] = [];
  const section = (title: string, items: string[]) => {
    if (items.length === 0) return;
    lines.push(`${title} (${items.length}):`, ...items.map((i) => `  ${i}`));
  };
  section("started", d.started.map(who));
  section("ended", d.ended.map(who));
  section(
    "changed",
    d.changed.map((c) => {
      const show = (v: unknown) =>
        c.field === "rssBytes" ? humanBytes(v as number) : Array.isArray(v) ? (v as string[]).join(" ") : String(v);
      return `${c.pid} ${c.comm}: ${c.field} ${show(c.before)} → ${show(c.after)}`;
    }),
  );
  section(
    "new listening sockets",
    d.newListeners.map(
      (l) =>
        `${l.protocol} ${l.path ?? `${l.address}:${l.port}`}${l.owners.length ? ` (${l.owners.map((o) => `${o.pid} ${o.comm}`).join(", ")})` : ""}`,
    ),
  );
  section(
    "new deleted files held open",
    d.newDeletedFiles.map((f) => `${f.pid} ${f.comm} fd ${f.fd}: ${f.path}${f.sizeBytes === null ? "" : ` (${humanBytes(f.sizeBytes)})`}`),
  );
  section(
    "new findings",
    d.newFindings.map(
      (f) => `${f.severity.toUpperCase()} ${f.rule} ${f.pid === null ? "system" : `${f.pid} ${f.comm ?? "?"}`}: ${f.summary}`,
    ),
  );
  if (lines.length === 0) return "no changes\n";
  return `${lines.map(escapeControl).join("\n")}\n`;
}
