/** A pipe, FIFO or socket joining processes, with its ends (`peers`). */
import { type Static, Type } from "@sinclair/typebox";
import { Count, type DeepReadonly, Nullable, RawBase64Schema, StartTimeTicks } from "./_schema.js";

export const ChannelEndSchema = Type.Object(
  {
    pid: Count(),
    comm: Type.String(),
    startTimeTicks: StartTimeTicks,
    fd: Count(),
    side: Nullable(Type.Union([Type.Literal("read"), Type.Literal("write"), Type.Literal("both")])),
    inode: Count(),
  },
  { title: "ChannelEnd", additionalProperties: false },
);
export type ChannelEnd = DeepReadonly<Static<typeof ChannelEndSchema>>;

export const ChannelSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal("pipe"), Type.Literal("fifo"), Type.Literal("unix"), Type.Literal("tcp"), Type.Literal("udp")]),
    inode: Count("the pipe's or FIFO's inode; for a socket channel, the lower of the two socket inodes"),
    label: Nullable(Type.String({ description: 'path of a FIFO or named socket, or "127.0.0.1:5000 <-> 127.0.0.1:41234"' })),
    match: Type.Union(
      [
        Type.Literal("inode"),
        Type.Literal("address"),
        Type.Literal("peer"),
        Type.Literal("adjacent-inode"),
        Type.Literal("path"),
        Type.Literal("unknown"),
      ],
      {
        description:
          "how the ends were matched: inode, address and peer are exact; adjacent-inode and path are guesses; unknown: a connected UNIX socket whose other end cannot be named (see reason)",
      },
    ),
    ends: Type.Array(ChannelEndSchema),
    reason: Type.Optional(
      Type.String({
        description:
          'with match "unknown": why the peer is unknown, e.g. "UNIX socket peers are not captured in ROOT (sock_diag asks the running kernel)"',
      }),
    ),
    rawBase64: Type.Optional(RawBase64Schema),
  },
  { title: "Channel", additionalProperties: false },
);
export type Channel = DeepReadonly<Static<typeof ChannelSchema>>;
export type ChannelKind = Channel["kind"];
