/**
 * Building blocks for the schemas of the JSON shapes. The schemas describe the JSON a face prints;
 * the TypeScript types derived from them (Static) are what the library returns. They agree except
 * for 64-bit values (addresses, masks): `bigint` inside, a hex string in JSON, which `HexBigInt` says.
 */
import { Kind, type TSchema, Type } from "@sinclair/typebox";

/** A value, or null when it could not be read (the reason is in the object's `errors`). */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** bigint in the library; in JSON a lower-case hex string such as "0x7ffd5a3c2000". */
// Its TypeBox kind is String, so Value.Check validates the JSON form while Static<> gives bigint.
export const HexBigInt = (description = "hex, 0x-prefixed") =>
  Type.Unsafe<bigint>({ [Kind]: "String", type: "string", pattern: "^0x[0-9a-f]+$", description });

/** Why fields are null, by field name: sentences a user can act on. */
export const FieldErrorsSchema = Type.Record(Type.String(), Type.String(), {
  description: "Why each null field could not be read, keyed by field name",
});

export const RawBase64Schema = Type.Record(
  Type.String(),
  Type.Union([Type.String(), Type.Array(Type.Union([Type.String(), Type.Null()])), Type.Record(Type.String(), Type.String())]),
  {
    description:
      "Present only when a text field held bytes that are not valid UTF-8 (the text shows each such byte as \\xNN): that field's raw bytes in base64, keyed by field name; for a list, one entry per element, null where the element was valid UTF-8; for a map (environ), the values that were not valid, by key",
  },
);

export const Integer = (description?: string) => Type.Integer(description === undefined ? {} : { description });
export const Bytes = (description: string) => Type.Integer({ minimum: 0, description: `${description} (bytes)` });

/** A non-negative integer: a count, an ID, or (with a unit in the field's name) a size. */
export const Count = (description?: string) => Type.Integer({ minimum: 0, ...(description === undefined ? {} : { description }) });

/** With the PID, the identity of a process: clock ticks after boot when it started (stat field 22). */
export const StartTimeTicks = Type.Integer({
  minimum: 0,
  description: "clock ticks after boot when the process started; with pid, its identity",
});

/** An ISO 8601 time. */
export const IsoTime = (description = "ISO 8601 time") => Type.String({ description, pattern: "^\\d{4}-\\d\\d-\\d\\dT" });

/** Returned data is read-only all the way down (the Static<> types of the schemas are mutable). */
export type DeepReadonly<T> = T extends bigint | string | number | boolean | null | undefined
  ? T
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : { readonly [K in keyof T]: DeepReadonly<T[K]> };
