/** Text views of memory: the maps table, pmap -X-like smaps table, and an xxd-like hex view. */
import { escapeControl } from "../../bytes.js";
import type { Region } from "../../procfs/pid/maps.js";
import type { SmapsRegion, SmapsTotals } from "../../procfs/pid/smaps.js";
import { type Column, humanBytes, renderTable } from "./table.js";

const hex = (value: bigint): string => value.toString(16);

function pathCell(region: Region): string {
  if (region.path === null) return "";
  return region.deleted ? `${region.path} (deleted)` : region.path;
}

export function renderMapsTable(regions: readonly Region[], width?: number): string {
  const columns: Column<Region>[] = [
    { header: "START", value: (r) => hex(r.start) },
    { header: "END", value: (r) => hex(r.end) },
    { header: "PERM", value: (r) => r.perms },
    { header: "SIZE", value: (r) => humanBytes(r.sizeBytes), align: "right" },
    { header: "OFFSET", value: (r) => hex(r.offset), align: "right" },
    { header: "DEV", value: (r) => r.dev },
    { header: "INODE", value: (r) => r.inode, align: "right" },
    { header: "KIND", value: (r) => (r.section ? `${r.kind}:${r.section}` : r.kind) },
    { header: "PATH", value: pathCell },
  ];
  return renderTable(columns, regions, { width });
}

const kb = (bytes: number): number => Math.round(bytes / 1024);

/** pmap -X style: sizes in kB, one row per region, then a total row. */
export function renderSmapsTable(regions: readonly SmapsRegion[], totals: SmapsTotals, width?: number): string {
  type Row = { readonly region: SmapsRegion | null; readonly t: SmapsTotals };
  const columns: Column<Row>[] = [
    { header: "START", value: (r) => (r.region ? hex(r.region.start) : "total") },
    { header: "PERM", value: (r) => r.region?.perms ?? "" },
    { header: "SIZE", value: (r) => kb(r.t.sizeBytes), align: "right" },
    { header: "RSS", value: (r) => kb(r.t.rssBytes), align: "right" },
    { header: "PSS", value: (r) => kb(r.t.pssBytes), align: "right" },
    { header: "SH_CLEAN", value: (r) => kb(r.t.sharedCleanBytes), align: "right" },
    { header: "SH_DIRTY", value: (r) => kb(r.t.sharedDirtyBytes), align: "right" },
    { header: "PV_CLEAN", value: (r) => kb(r.t.privateCleanBytes), align: "right" },
    { header: "PV_DIRTY", value: (r) => kb(r.t.privateDirtyBytes), align: "right" },
    { header: "SWAP", value: (r) => kb(r.t.swapBytes), align: "right" },
    { header: "KIND", value: (r) => (r.region ? (r.region.section ? `${r.region.kind}:${r.region.section}` : r.region.kind) : "") },
    { header: "PATH", value: (r) => (r.region ? pathCell(r.region) : "") },
  ];
  const rows: Row[] = [
    ...regions.map((region) => ({ region, t: { sizeBytes: region.sizeBytes, ...region.usage } })),
    { region: null, t: totals },
  ];
  return `${renderTable(columns, rows, { width })}(sizes in kB)\n`;
}

/**
 * xxd-like lines: "7ffd12340000: 4845 4150 4d41 524b 0000 0000 0000 0000  HEAPMARK........".
 * Bytes in holes (unreadable) show as "??" and "?".
 */
export function renderHexView(address: bigint, bytes: Buffer, holes: readonly { address: bigint; length: number }[]): string {
  const unreadable = new Uint8Array(bytes.length);
  for (const hole of holes) {
    const from = Number(hole.address - address);
    unreadable.fill(1, Math.max(0, from), Math.min(bytes.length, from + hole.length));
  }
  const width = Math.max(8, (address + BigInt(bytes.length)).toString(16).length);
  const lines: string[] = [];
  for (let line = 0; line < bytes.length; line += 16) {
    let hexPart = "";
    let text = "";
    for (let i = 0; i < 16; i++) {
      const at = line + i;
      if (at < bytes.length) {
        const b = bytes[at] as number;
        const bad = unreadable[at] === 1;
        hexPart += bad ? "??" : b.toString(16).padStart(2, "0");
        text += bad ? "?" : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
      } else hexPart += "  ";
      if (i % 2 === 1 && i < 15) hexPart += " ";
    }
    lines.push(`${(address + BigInt(line)).toString(16).padStart(width, "0")}: ${hexPart}  ${text}`);
  }
  return `${lines.join("\n")}\n`;
}

/** A one-line progress bar for stderr on a terminal. */
export function progressLine(label: string, done: number, total: number, columns = 80): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const tail = ` ${Math.floor(fraction * 100)
    .toString()
    .padStart(3)}% ${humanBytes(done)}/${humanBytes(total)}`;
  const barWidth = Math.max(10, Math.min(40, columns - label.length - tail.length - 4));
  const filled = Math.round(fraction * barWidth);
  return `\r${escapeControl(label)} [${"#".repeat(filled)}${" ".repeat(barWidth - filled)}]${tail}`;
}
