/** Text rendering of `show`: sections of key/value lines; null fields show their reason. */
import { escapeControl } from "../../bytes.js";
import type { ProcessDetails } from "../../processes/details.js";
import { commandText, cpuTimeText } from "../../processes/format.js";
import { capabilityNumber } from "../../procfs/capabilities.js";
import { humanBytes, renderTable } from "./table.js";
import { renderValue } from "./value.js";

type Value = string | number | boolean | null | undefined;

export function renderDetails(d: ProcessDetails, only?: readonly string[]): string {
  const out: string[] = [];
  const reason = (field: string): string => (d.errors[field] ? `- (${d.errors[field]})` : "-");
  const section = (title: string, rows: [string, Value, string?][]): void => {
    const width = Math.max(...rows.map(([k]) => k.length));
    out.push(`${title}`);
    for (const [key, value, field] of rows) {
      const text = value === null || value === undefined ? reason(field ?? key) : escapeControl(String(value));
      out.push(`  ${`${key}:`.padEnd(width + 1)} ${text}`);
    }
    out.push("");
  };

  if (!only) {
    section(`Process ${d.pid} (${escapeControl(d.comm)})`, [
      ["command", d.cmdline === null ? null : commandText(d), "cmdline"],
      ["exe", d.exe === null ? null : `${d.exe}`, "exe"],
      ["cwd", d.cwd],
      ["root", d.root],
      ["state", d.state],
      ["ppid", d.ppid],
      ["pgid / sid", `${d.pgid} / ${d.sid}`],
      ["user", d.user === null ? null : `${d.user} (uid ${d.uid})`, "user"],
      ["tty", d.tty ?? "none"],
      ["started", d.startTime, "startTime"],
      [
        "cpu time",
        `${cpuTimeText(d.cpuSeconds)} (${d.cpuSeconds.toFixed(2)} s${d.cpuPercent === null ? "" : `, ${d.cpuPercent}% of its lifetime`})`,
      ],
      ["threads", d.threads],
      ["nice / priority", `${d.nice} / ${d.priority}`],
      ["wchan", d.wchan ?? (d.errors.wchan ? null : "running or not waiting"), "wchan"],
    ]);
    section("Memory", [
      ["rss", humanBytes(d.rssBytes), "rssBytes"],
      ["vsz", humanBytes(d.vszBytes)],
      ["peak rss", d.status ? humanBytes(d.status.vmHwmBytes) : null, "status"],
      [
        "anon / file / shmem",
        d.status
          ? `${humanBytes(d.status.rssAnonBytes)} / ${humanBytes(d.status.rssFileBytes)} / ${humanBytes(d.status.rssShmemBytes)}`
          : null,
        "status",
      ],
      ["swap", d.status ? humanBytes(d.status.vmSwapBytes) : null, "status"],
      ["oom score / adj", d.oomScore === null ? null : `${d.oomScore} / ${d.oomScoreAdj}`, "oomScore"],
    ]);
    section("Security", [
      ["uids (r/e/s/fs)", d.status?.uids ? Object.values(d.status.uids).join(" ") : null, "status"],
      ["gids (r/e/s/fs)", d.status?.gids ? Object.values(d.status.gids).join(" ") : null, "status"],
      ["groups", d.status ? d.status.groups.join(" ") || "none" : null, "status"],
      ["cap effective", d.capabilities ? capList(d.capabilities.effective, d.capabilities.bounding) : null, "capabilities"],
      ["cap permitted", d.capabilities ? capList(d.capabilities.permitted, d.capabilities.bounding) : null, "capabilities"],
      ["cap ambient", d.capabilities ? capList(d.capabilities.ambient, d.capabilities.bounding) : null, "capabilities"],
      ["seccomp", d.seccomp],
      ["no_new_privs", d.status?.noNewPrivs ?? null, "status"],
      ["tracer pid", d.tracerPid === 0 ? "not traced" : d.tracerPid, "tracerPid"],
      ["login uid", d.loginUid ?? (d.errors.loginUid ? null : "unset"), "loginUid"],
      [
        "personality",
        d.personality
          ? `${d.personality.baseName ?? d.personality.base}${d.personality.flags.length ? ` ${d.personality.flags.join(" ")}` : ""}`
          : null,
      ],
    ]);
    section("Container", [
      ["pid in namespaces", d.nsPid ? d.nsPid.join(" → ") : null, "nsPid"],
      ["runtime", d.container ? d.container.runtime : d.errors.container ? null : "none recognised", "container"],
      ["id", d.container?.id ?? "-"],
      ["unit", d.container?.unit ?? "-"],
      ["namespaces", d.namespaces ? d.namespaces.map((n) => `${n.type}:${n.inode}`).join(" ") : null, "namespaces"],
    ]);
    if (d.io) {
      section("I/O", [
        ["read / written", `${humanBytes(d.io.rcharBytes)} / ${humanBytes(d.io.wcharBytes)} (syscalls ${d.io.syscr} / ${d.io.syscw})`],
        ["storage read / written", `${humanBytes(d.io.readBytes)} / ${humanBytes(d.io.writeBytes)}`],
      ]);
    } else out.push(`I/O\n  ${reason("io")}\n`);
    out.push("Cgroups");
    out.push(
      d.cgroups
        ? d.cgroups.map((c) => `  ${c.hierarchyId}:${c.controllers.join(",")}:${escapeControl(c.path)}`).join("\n")
        : `  ${reason("cgroups")}`,
    );
    out.push("");
  }
  if (!only || only.includes("limits")) {
    out.push("Limits");
    out.push(
      d.limits
        ? renderTable(
            [
              { header: "  NAME", value: (l) => `  ${l.name}` },
              { header: "SOFT", value: (l) => l.soft, align: "right" },
              { header: "HARD", value: (l) => l.hard, align: "right" },
              { header: "UNIT", value: (l) => l.unit },
            ],
            d.limits,
          )
        : `  ${reason("limits")}\n`,
    );
  }
  if (!only || only.includes("environ")) {
    out.push("Environment");
    out.push(
      d.environ
        ? `${Object.entries(d.environ)
            .map(([k, v]) => `  ${escapeControl(k)}=${escapeControl(v)}`)
            .join("\n")}\n`
        : `  ${reason("environ")}\n`,
    );
  }
  if (only) {
    for (const field of only.filter((f) => f !== "limits" && f !== "environ")) {
      const value = d[field as keyof ProcessDetails];
      if (value === null) out.push(`${field}: ${reason(field)}`);
      else if (typeof value === "object" && !(Array.isArray(value) && value.every((v) => v === null || typeof v !== "object")))
        out.push(`${field}:\n${renderValue(value, "  ").trimEnd()}`);
      else out.push(`${field}: ${renderValue(value).trimEnd()}`);
    }
    out.push("");
  }
  return out.join("\n");
}

/** A set equal to the bounding set (root's usual case) reads better as one phrase than 41 names. */
function capList(names: readonly string[], bounding: readonly string[]): string {
  if (names.length === 0) return "none";
  if (names.length === bounding.length && names.length > 8 && names.every((n) => capabilityNumber(n) !== null))
    return `all ${names.length} (the full bounding set)`;
  return names.join(" ");
}
