/** Kernel symbols (`ksym`) and tunables (`sysctl`). */
import { type Static, Type } from "@sinclair/typebox";
import { Count, type DeepReadonly, FieldErrorsSchema, HexBigInt, Nullable } from "./_schema.js";

export const KernelSymbolSchema = Type.Object(
  {
    name: Type.String(),
    address: HexBigInt(),
    type: Type.String({ description: "nm(1) type letter: T/t text, D/d data, R/r read-only, B/b bss, W/w weak" }),
    module: Nullable(Type.String({ description: "module, or null for the kernel image" })),
    sizeBytes: Nullable(Count("bytes up to the next symbol; null for the last one")),
  },
  { title: "KernelSymbol", additionalProperties: false },
);
export type KernelSymbol = DeepReadonly<Static<typeof KernelSymbolSchema>>;

/** An address inside a symbol: `ksym --json` prints an array of these whatever the query. */
export const SymbolHitSchema = Type.Object(
  {
    address: HexBigInt(),
    symbol: KernelSymbolSchema,
    offsetBytes: Count("address - symbol address"),
    aliases: Type.Array(Type.String(), { description: "other names for the symbol's address (_text/_stext)" }),
  },
  { title: "SymbolHit", additionalProperties: false },
);
export type SymbolHit = DeepReadonly<Static<typeof SymbolHitSchema>>;

export const SysctlEntrySchema = Type.Object(
  {
    name: Type.String({ description: 'dotted name: "vm.swappiness"' }),
    value: Nullable(Type.String({ description: "as the kernel prints it, without the final newline (tabs separate multi-values)" })),
    writable: Type.Boolean({ description: "the key's mode allows writing (by root)" }),
    errors: FieldErrorsSchema,
  },
  { title: "SysctlEntry", additionalProperties: false },
);
export type SysctlEntry = DeepReadonly<Static<typeof SysctlEntrySchema>>;

/** `sysctl NAME VALUE --json`: a previewed or written change. */
export const SysctlChangeSchema = Type.Object(
  {
    name: Type.String(),
    old: Nullable(Type.String({ description: "null when the key cannot be read (a write-only trigger)" })),
    requested: Type.String(),
    new: Nullable(Type.String({ description: "read back after writing; null for a preview or a write-only key" })),
    written: Type.Boolean({ description: "false for a preview" }),
    verified: Type.Boolean({ description: "the value read back equals the one asked for" }),
  },
  { title: "SysctlChange", additionalProperties: false },
);
export type SysctlChange = DeepReadonly<Static<typeof SysctlChangeSchema>>;
