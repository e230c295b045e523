/** A socket from /proc/net with the processes holding it (`net`). */
import { type Static, Type } from "@sinclair/typebox";
import { Count, type DeepReadonly, FieldErrorsSchema, Nullable, RawBase64Schema, StartTimeTicks } from "./_schema.js";

export const SocketProtocolSchema = Type.Union(
  [
    Type.Literal("tcp"),
    Type.Literal("tcp6"),
    Type.Literal("udp"),
    Type.Literal("udp6"),
    Type.Literal("raw"),
    Type.Literal("raw6"),
    Type.Literal("unix"),
    Type.Literal("packet"),
  ],
  { title: "SocketProtocol" },
);
export type SocketProtocol = DeepReadonly<Static<typeof SocketProtocolSchema>>;

export const SocketOwnerSchema = Type.Object(
  { pid: Count(), comm: Type.String(), startTimeTicks: StartTimeTicks, fd: Count() },
  { title: "SocketOwner", additionalProperties: false },
);
export type SocketOwner = DeepReadonly<Static<typeof SocketOwnerSchema>>;

export const SocketSchema = Type.Object(
  {
    protocol: SocketProtocolSchema,
    inode: Count(),
    state: Type.String({ description: "ss-style state: ESTAB, LISTEN, UNCONN, TIME-WAIT, CONNECTED (unix)…" }),
    socketType: Nullable(Type.String({ description: '"stream", "dgram", "seqpacket" for unix; "raw"/"dgram" for packet; null for inet' })),
    localAddress: Nullable(Type.String()),
    localPort: Nullable(Count()),
    remoteAddress: Nullable(Type.String()),
    remotePort: Nullable(Count()),
    path: Nullable(
      Type.String({
        description:
          'unix: bound name as /proc/net/unix prints it ("@name" abstract, each NUL as "@"), checked with the kernel over sock_diag when it can be asked (else errors.names says why not); null when unnamed',
      }),
    ),
    txQueueBytes: Nullable(Count()),
    rxQueueBytes: Nullable(
      Count(
        "bytes waiting to be read; for tcp and unix listeners, connections waiting to be accepted (unix: null when the kernel could not be asked)",
      ),
    ),
    backlog: Nullable(
      Count(
        "tcp and unix listeners: how many connections the accept queue may hold (listen()'s backlog, which ss shows as a listener's Send-Q; from sock_diag, as /proc/net/tcp shows 0 and /proc/net/unix nothing); null for other sockets, and for listeners when the kernel could not be asked (errors.backlog says why) or answered for another network namespace",
      ),
    ),
    uid: Nullable(Count()),
    refCount: Nullable(Count("unix: the kernel's reference count on the socket")),
    peerInode: Nullable(Count("unix: the inode of the socket at the other end (sock_diag); null when not connected or unknown")),
    rawBase64: Type.Optional(RawBase64Schema),
    owners: Type.Array(SocketOwnerSchema, { description: "processes holding the socket (empty: kernel-held, TIME_WAIT, or unreadable)" }),
  },
  { title: "Socket", additionalProperties: false },
);
export type Socket = DeepReadonly<Static<typeof SocketSchema>>;

/** `net --json`: the sockets, and why a /proc/net file could not be read, by file. */
export const LineProblemSchema = Type.Object(
  {
    line: Count("1-based line number in the file"),
    reason: Type.String(),
    excerpt: Type.String({ description: "the start of the offending line (at most 80 characters)" }),
  },
  { title: "LineProblem", additionalProperties: false },
);

export const SocketTableSchema = Type.Object(
  {
    sockets: Type.Array(SocketSchema),
    errors: FieldErrorsSchema,
    problems: Type.Record(Type.String(), Type.Array(LineProblemSchema), {
      description: "per /proc/net file, the lines that could not be parsed and were skipped (the rest are listed)",
    }),
  },
  { title: "SocketTable", additionalProperties: false },
);
export type SocketTable = DeepReadonly<Static<typeof SocketTableSchema>>;
