/** The machine overview (`sys`). */
import { type Static, Type } from "@sinclair/typebox";
import { Count, type DeepReadonly, FieldErrorsSchema, IsoTime, Nullable } from "./_schema.js";

export const SystemOverviewSchema = Type.Object(
  {
    hostname: Nullable(Type.String()),
    kernel: Nullable(Type.String()),
    bootTime: Nullable(IsoTime()),
    uptimeSeconds: Nullable(Type.Number({ minimum: 0 })),
    load: Nullable(
      Type.Object({
        load1: Type.Number({ minimum: 0 }),
        load5: Type.Number({ minimum: 0 }),
        load15: Type.Number({ minimum: 0 }),
        running: Count(),
        threads: Count(),
      }),
    ),
    cpus: Nullable(Type.Object({ count: Count(), model: Nullable(Type.String()) })),
    memory: Nullable(
      Type.Object({
        totalBytes: Count(),
        availableBytes: Nullable(Count()),
        usedBytes: Count(),
        freeBytes: Count(),
        buffersBytes: Nullable(Count()),
        cachedBytes: Nullable(Count()),
        swapTotalBytes: Nullable(Count()),
        swapFreeBytes: Nullable(Count()),
      }),
    ),
    processes: Count(),
    errors: FieldErrorsSchema,
  },
  { title: "SystemOverview", additionalProperties: false },
);
export type SystemOverview = DeepReadonly<Static<typeof SystemOverviewSchema>>;
