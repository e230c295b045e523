/**
 * Building blocks for the schemas of the JSON shapes. The schemas describe the JSON a face prints;
 * the TypeScript types derived from them (Static) are what the library returns. They agree except
 * for 64-bit values (addresses, masks): `bigint` inside, a hex string in JSON, which `HexBigInt` says.
 */
import { type TSchema, Type } from "@sinclair/typebox";

/** A value, or null when it could not be read (the reason is in the object's `errors`). */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** bigint in the library; in JSON a lower-case hex string such as "0x7ffd5a3c2000". */
export const HexBigInt = (description: string) => Type.Unsafe<bigint>({ type: "string", pattern: "^0x[0-9a-f]+$", description });

/** Why fields are null, by field name: sentences a user can act on. */
export const FieldErrorsSchema = Type.Record(Type.String(), Type.String(), {
  description: "Why each null field could not be read, keyed by field name",
});

export const Integer = (description?: string) => Type.Integer(description === undefined ? {} : { description });
export const Bytes = (description: string) => Type.Integer({ minimum: 0, description: `${description} (bytes)` });
