/** An open file descriptor (`fds`), and a process with its fds (`lsof`). */
import { type Static, Type } from "@sinclair/typebox";
import { Count, type DeepReadonly, FieldErrorsSchema, Nullable, RawBase64Schema, StartTimeTicks } from "./_schema.js";

export const FdTypeSchema = Type.Union(
  [
    Type.Literal("file"),
    Type.Literal("dir"),
    Type.Literal("pipe"),
    Type.Literal("fifo"),
    Type.Literal("socket"),
    Type.Literal("anon_inode"),
    Type.Literal("memfd"),
    Type.Literal("dev"),
    Type.Literal("tty"),
    Type.Literal("unknown"),
  ],
  { title: "FdType" },
);
export type FdType = DeepReadonly<Static<typeof FdTypeSchema>>;

export const FileDescriptorSchema = Type.Object(
  {
    pid: Count(),
    fd: Count(),
    target: Type.String({ description: 'the link text of /proc/PID/fd/N, e.g. "/var/log/x.log (deleted)", "pipe:[1234]"' }),
    type: FdTypeSchema,
    anonKind: Nullable(Type.String({ description: "for anon_inode: eventfd, eventpoll, inotify, signalfd, timerfd, pidfd…" })),
    path: Nullable(Type.String({ description: 'the path without " (deleted)"; null for pipes, sockets and anon inodes' })),
    inode: Nullable(Count()),
    deleted: Type.Boolean({ description: "the file has no names left (unlinked while open)" }),
    posBytes: Nullable(Count("file offset (fdinfo pos)")),
    flags: Nullable(Type.Array(Type.String(), { description: "open flags decoded: access mode first, then O_APPEND, O_NONBLOCK…" })),
    mode: Nullable(
      Type.Union([Type.Literal("r"), Type.Literal("w"), Type.Literal("u")], {
        description: "access mode in lsof's letters, as the tables' FD column shows it: r read, w write, u read and write",
      }),
    ),
    mntId: Nullable(Count()),
    sizeBytes: Nullable(Count("size of a regular file or memfd")),
    device: Nullable(Type.String({ description: 'device of the filesystem holding the file, "major:minor"' })),
    errors: FieldErrorsSchema,
    rawBase64: Type.Optional(RawBase64Schema),
  },
  { title: "FileDescriptor", additionalProperties: false },
);
export type FileDescriptor = DeepReadonly<Static<typeof FileDescriptorSchema>>;

/**
 * A file a process uses other than through an fd, as lsof's FD column names them: its current
 * directory (cwd), root directory (rtd), program (txt), or a file mapped into its memory (mem).
 */
export const FileUseSchema = Type.Object(
  {
    use: Type.Union([Type.Literal("cwd"), Type.Literal("rtd"), Type.Literal("txt"), Type.Literal("mem")], {
      description: "cwd current directory, rtd root directory, txt the running program, mem a file mapped into memory",
    }),
    path: Nullable(Type.String({ description: 'the path without " (deleted)"' })),
    inode: Nullable(Count()),
    device: Nullable(Type.String({ description: 'device of the filesystem holding the file, "major:minor"' })),
    deleted: Type.Boolean({ description: "the file has no names left" }),
    rawBase64: Type.Optional(RawBase64Schema),
  },
  { title: "FileUse", additionalProperties: false },
);
export type FileUse = DeepReadonly<Static<typeof FileUseSchema>>;

/** A process and its open fds, one element of `lsof --json`. */
export const ProcessFilesSchema = Type.Object(
  {
    pid: Count(),
    comm: Type.String(),
    uid: Nullable(Count()),
    user: Nullable(Type.String()),
    startTimeTicks: StartTimeTicks,
    fds: Nullable(Type.Array(FileDescriptorSchema, { description: "null when the fd directory could not be read (errors.fds)" })),
    uses: Nullable(
      Type.Array(FileUseSchema, {
        description:
          "files used other than through an fd (cwd, rtd, txt, mem) that match the query; read only when asking who holds a file, else null (errors.uses)",
      }),
    ),
    errors: FieldErrorsSchema,
  },
  { title: "ProcessFiles", additionalProperties: false },
);
export type ProcessFiles = DeepReadonly<Static<typeof ProcessFilesSchema>>;
