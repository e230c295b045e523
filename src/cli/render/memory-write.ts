/**
 * Text and JSON views of writes, undos and shell history. Pure: results in, strings out. Bytes
 * from a target process are shown as quoted text with non-printable bytes as \xNN.
 */

import { plural } from "../../_plural.js";
import type { HistoryEntry, ShellHistory, ShellHistoryFailure } from "../../memory/history.js";
import type { PlannedWrite, ReplaceResult, UndoEntryResult, UndoResult, WriteResult } from "../../memory/write.js";
import type { ShellHistoryFailure as ShellHistoryFailureJson, ShellHistory as ShellHistoryJson } from "../../model/history.js";
import type { ReplaceReport, UndoEntry, UndoReport, Write, WriteReport } from "../../model/write.js";
import { renderTable } from "./table.js";

const SHOWN_BYTES = 48;

/** "hello\x00" style: printable ASCII as is, anything else as \xNN; cut after 48 bytes. */
export function quoteBytes(bytes: Uint8Array): string {
  let out = "";
  const shown = Math.min(bytes.length, SHOWN_BYTES);
  for (let i = 0; i < shown; i++) {
    const c = bytes[i] as number;
    if (c === 0x22 || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return `"${out}"${bytes.length > shown ? `…(+${bytes.length - shown} bytes)` : ""}`;
}

const hex = (n: bigint): string => `0x${n.toString(16)}`;

function regionText(write: PlannedWrite): string {
  return `${write.region.path ?? write.region.label} ${write.region.perms}`;
}

/** The JSON shape of a write: addresses as hex (by the replacer), bytes as hex strings. */
function writeJson(write: PlannedWrite): Write {
  return {
    address: write.address,
    sizeBytes: write.new.length,
    old: write.old.toString("hex"),
    new: write.new.toString("hex"),
    oldText: quoteBytes(write.old).slice(1, -1),
    newText: quoteBytes(write.new).slice(1, -1),
    region: write.region,
    status: write.status,
    reason: write.reason ?? null,
    seq: write.seq ?? null,
  };
}

export function writeResultJson(result: WriteResult | ReplaceResult): WriteReport | ReplaceReport {
  return { ...result, writes: result.writes.map(writeJson) };
}

export function renderWriteResult(result: WriteResult | ReplaceResult, options: { width?: number | undefined } = {}): string {
  const who = `process ${result.pid} (${result.comm}), start tick ${result.startTimeTicks}`;
  const found = "found" in result ? `${plural(result.found, "occurrence")} in ${plural(result.searched, "region")}; ` : "";
  const table = renderTable(
    [
      { header: "ADDRESS", value: (w: PlannedWrite) => hex(w.address) },
      { header: "REGION", value: regionText },
      { header: "STATUS", value: (w) => (w.status === "skipped" ? `skipped: ${w.reason ?? ""}` : w.status) },
      { header: "OLD", value: (w) => quoteBytes(w.old) },
      { header: "NEW", value: (w) => quoteBytes(w.new) },
    ],
    result.writes,
    options,
  );
  if (!result.applied) return `${who}: ${found}preview only, nothing written (add --yes to write)\n${table}`;
  const written = result.writes.filter((w) => w.status === "written").length;
  const freeze =
    result.freeze === "frozen"
      ? "stopped for the write and continued"
      : result.freeze === "was-stopped"
        ? "it was already stopped and stays stopped"
        : "not stopped (--no-stop)";
  return `${who}: ${found}wrote ${written} of ${result.writes.length}, each verified by reading it back; ${freeze}\n${table}journal: ${result.journal}\nundo with: procscope undo ${result.journal}\n`;
}

function undoEntryJson(entry: UndoEntryResult): UndoEntry {
  return {
    seq: entry.seq,
    address: entry.address,
    old: entry.old.toString("hex"),
    new: entry.new.toString("hex"),
    current: entry.current?.toString("hex") ?? null,
    status: entry.status,
    reason: entry.reason ?? null,
  };
}

export function undoResultJson(result: UndoResult): UndoReport {
  return { ...result, entries: result.entries.map(undoEntryJson) };
}

export function renderUndoResult(result: UndoResult, options: { width?: number | undefined } = {}): string {
  const table = renderTable(
    [
      { header: "SEQ", value: (e: UndoEntryResult) => e.seq, align: "right" },
      { header: "ADDRESS", value: (e) => hex(e.address) },
      { header: "STATUS", value: (e) => e.status },
      { header: "RESTORES", value: (e) => quoteBytes(e.old) },
      { header: "MEMORY HELD", value: (e) => (e.current ? quoteBytes(e.current) : null) },
      { header: "WHY", value: (e) => e.reason ?? "" },
    ],
    result.entries,
    options,
  );
  return `process ${result.pid}, start tick ${result.startTimeTicks}: restored ${result.restored} of ${result.entries.length} from ${result.journal}\n${table}`;
}

export function historyJson(history: ShellHistory | ShellHistoryFailure): ShellHistoryJson | ShellHistoryFailureJson {
  return history;
}

export function renderHistory(history: ShellHistory, options: { width?: number | undefined; showPid?: boolean } = {}): string {
  const head = `process ${history.pid} (${history.shell}): ${plural(history.entries.length, "command")} in memory${history.note ? ` — ${history.note}` : ""}\n`;
  if (history.entries.length === 0) return head;
  return (
    head +
    renderTable(
      [
        { header: "#", value: (e: HistoryEntry) => (e.index === null ? "old" : e.index + 1), align: "right" },
        { header: "TIME", value: (e) => e.time?.replace("T", " ").replace(/\.\d+Z$/, "Z") ?? null },
        { header: "COMMAND", value: (e) => e.command },
      ],
      history.entries,
      options,
    )
  );
}

export function renderHistoryFailure(failure: ShellHistoryFailure): string {
  return `process ${failure.pid} (${failure.comm}): ${failure.error}\n`;
}
