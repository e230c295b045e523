/**
 * A memory region (one line of /proc/PID/maps), the one shape every memory command prints:
 * `maps` lists them, and `read`, `strings`, `search`, `replace`, `write` and `dump` carry the
 * region each result lies in.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Count, type DeepReadonly, HexBigInt, Nullable, RawBase64Schema } from "./_schema.js";

export const RegionKindSchema = Type.Union(
  [
    Type.Literal("heap"),
    Type.Literal("stack"),
    Type.Literal("vdso"),
    Type.Literal("vvar"),
    Type.Literal("vsyscall"),
    Type.Literal("uprobes"),
    Type.Literal("file"),
    Type.Literal("deleted"),
    Type.Literal("memfd"),
    Type.Literal("shm"),
    Type.Literal("device"),
    Type.Literal("anon"),
    Type.Literal("special"),
  ],
  { description: "what the region is, told from its path, device and inode" },
);

export const RegionSectionSchema = Type.Union([Type.Literal("text"), Type.Literal("rodata"), Type.Literal("data"), Type.Literal("bss")], {
  description: "which part of a mapped executable or library the region holds",
});

export const RegionSchema = Type.Object(
  {
    start: HexBigInt("first address"),
    end: HexBigInt("address after the last byte"),
    sizeBytes: Count("end - start"),
    perms: Type.String({ pattern: "^[r-][w-][x-][ps]$", description: 'the kernel\'s four letters, e.g. "rw-p"' }),
    readable: Type.Boolean(),
    writable: Type.Boolean(),
    executable: Type.Boolean(),
    shared: Type.Boolean({ description: "writes reach the file (or shared memory) and every other process mapping it" }),
    offset: HexBigInt("offset into the mapped file"),
    dev: Type.String({ description: '"major:minor" in hex, as the kernel prints it' }),
    inode: Count(),
    path: Nullable(Type.String({ description: 'path or pseudo-path ("[heap]"), " (deleted)" removed; null when anonymous' })),
    deleted: Type.Boolean({ description: "the mapped file was unlinked" }),
    kind: RegionKindSchema,
    section: Nullable(RegionSectionSchema),
    label: Type.String({ description: 'short name: the kind for pseudo-regions ("heap"), "anon", "bss", else the file\'s base name' }),
    rawBase64: Type.Optional(RawBase64Schema),
  },
  { title: "Region", additionalProperties: false, description: "a memory region: one line of /proc/PID/maps" },
);
export type Region = DeepReadonly<Static<typeof RegionSchema>>;
export type RegionKind = Region["kind"];
export type RegionSection = NonNullable<Region["section"]>;

/** What /proc/PID/smaps adds to a region: its memory use, in bytes. */
export const RegionUsageSchema = Type.Object(
  {
    rssBytes: Count("resident"),
    pssBytes: Count("proportional set size: shared pages divided among the processes mapping them"),
    sharedCleanBytes: Count(),
    sharedDirtyBytes: Count(),
    privateCleanBytes: Count(),
    privateDirtyBytes: Count(),
    swapBytes: Count(),
    swapPssBytes: Count(),
    anonymousBytes: Count(),
    lockedBytes: Count(),
    kernelBytes: Type.Record(Type.String(), Count(), {
      description: 'every "kB" line of the smaps block, in bytes, by the kernel\'s key (Rss, Pss_Dirty, AnonHugePages…)',
    }),
    vmFlags: Type.Array(Type.String(), { description: "two-letter VmFlags (rd wr ex mr mw me ac …); empty on kernels without the line" }),
  },
  { title: "RegionUsage", additionalProperties: false, description: "memory use of a region, from /proc/PID/smaps" },
);
export type RegionUsage = DeepReadonly<Static<typeof RegionUsageSchema>>;

/** One element of `maps --json`: a region, with its memory use when --smaps asked for it. */
export const MapsEntrySchema = Type.Composite([RegionSchema, Type.Object({ usage: Nullable(RegionUsageSchema) })], {
  title: "MapsEntry",
  additionalProperties: false,
  description: "a region; usage is null unless --smaps was given (reading smaps makes the kernel walk the page tables)",
});
export type MapsEntry = DeepReadonly<Static<typeof MapsEntrySchema>>;

/** A range of memory that could not be read (the kernel said EIO or EFAULT: unmapped meanwhile, a guard page…). */
export const HoleSchema = Type.Object(
  {
    address: HexBigInt(),
    lengthBytes: Count(),
    reason: Type.String(),
  },
  { title: "Hole", additionalProperties: false },
);
export type Hole = DeepReadonly<Static<typeof HoleSchema>>;
