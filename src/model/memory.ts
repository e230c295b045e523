/**
 * What the read-only memory commands print besides regions: `read`'s bytes, `search`'s matches,
 * `strings`' runs and `dump`'s index. Each result carries the Region it lies in.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Count, type DeepReadonly, HexBigInt, StartTimeTicks } from "./_schema.js";
import { HoleSchema, RegionSchema } from "./region.js";

/** `read --json`: LENGTH bytes at ADDRESS as hex, the unreadable ranges, and the regions covering them. */
export const ReadReportSchema = Type.Object(
  {
    pid: Count(),
    startTimeTicks: StartTimeTicks,
    address: HexBigInt(),
    lengthBytes: Count(),
    hex: Type.String({ pattern: "^([0-9a-f]{2})*$", description: "the bytes as hex; bytes in holes are 00" }),
    holes: Type.Array(HoleSchema),
    regions: Type.Array(RegionSchema, { description: "the regions covering [address, address + lengthBytes), in address order" }),
  },
  { title: "ReadReport", additionalProperties: false },
);
export type ReadReport = DeepReadonly<Static<typeof ReadReportSchema>>;

/** One occurrence of a pattern in a process's memory. */
export const MatchSchema = Type.Object(
  {
    pid: Count(),
    comm: Type.String(),
    startTimeTicks: StartTimeTicks,
    address: HexBigInt(),
    lengthBytes: Count(),
    region: RegionSchema,
    offsetBytes: Count("address - region start"),
    text: Type.String({ description: "the matched bytes as text (UTF-16LE decoded for --utf16; invalid bytes as \\xNN)" }),
    preview: Type.String({ description: 'up to 16 bytes either side, printable ASCII with "." for anything else' }),
  },
  { title: "Match", additionalProperties: false },
);
export type Match = DeepReadonly<Static<typeof MatchSchema>>;

/** One printable run found by `strings`. */
export const StringRunSchema = Type.Object(
  {
    pid: Count(),
    startTimeTicks: StartTimeTicks,
    address: HexBigInt(),
    encoding: Type.Union([Type.Literal("ascii"), Type.Literal("utf16le")]),
    text: Type.String(),
    region: RegionSchema,
  },
  { title: "StringRun", additionalProperties: false },
);
export type StringRun = DeepReadonly<Static<typeof StringRunSchema>>;

/** One region file of a dump. */
export const DumpedRegionSchema = Type.Object(
  {
    region: RegionSchema,
    start: HexBigInt("start of the dumped range (the region's, or the part a range selector asked for)"),
    end: HexBigInt(),
    sizeBytes: Count("end - start: the file's size"),
    readBytes: Count("bytes actually read (sizeBytes minus holes, left as zeros)"),
    file: Type.String({ description: "file name inside the dump directory" }),
    holes: Type.Array(HoleSchema),
  },
  { title: "DumpedRegion", additionalProperties: false },
);
export type DumpedRegion = DeepReadonly<Static<typeof DumpedRegionSchema>>;

/** `dump --json`, also written as DIR/index.json (without `directory`). */
export const DumpIndexSchema = Type.Object(
  {
    directory: Type.String(),
    pid: Count(),
    comm: Type.String(),
    startTimeTicks: StartTimeTicks,
    selector: Type.String(),
    regions: Type.Array(DumpedRegionSchema),
    exited: Type.Boolean({ description: "the process exited before every region was read (the dump holds what was read)" }),
    totalBytes: Count("bytes read, over all regions"),
  },
  { title: "DumpIndex", additionalProperties: false },
);
export type DumpIndex = DeepReadonly<Omit<Static<typeof DumpIndexSchema>, "directory">>;
