/**
 * The JSON contract of every command: what its `--json` prints, as a TypeBox schema, and how it is
 * framed. Schemas load lazily (one dynamic import per command), so nothing here costs the CLI's
 * start-up; `procscope schema`, the HTTP API and the tests read it.
 *
 * Framing rule: one object for one thing, an array for a finite listing, NDJSON (one document per
 * line, each matching the schema) only for open-ended streams. A flag never changes the shape.
 */
import type { TSchema } from "@sinclair/typebox";

export interface CommandContract {
  /** "document": stdout is one JSON document; "ndjson": one document per line, until stopped. */
  readonly framing: "document" | "ndjson";
  /** The flag under which a "document" command streams the same shape as NDJSON instead. */
  readonly streamsWith?: string;
  /** One line: what the document is. */
  readonly summary: string;
  /** The schema of the document (of each line for NDJSON). */
  readonly schema: () => Promise<TSchema>;
  /**
   * For a command whose argument names a different thing to print (`sys NAME`: one file each),
   * the schema by that argument: `procscope schema sys meminfo`.
   */
  readonly byArgument?: {
    /** What the argument is, for messages: "system file". */
    readonly what: string;
    /** The schema of each argument's document, by argument. */
    readonly schemas: () => Promise<Readonly<Record<string, TSchema>>>;
  };
}

async function arrayOf(load: Promise<TSchema>, title: string): Promise<TSchema> {
  const { Type } = await import("@sinclair/typebox");
  return Type.Array(await load, { title });
}

const region = () => import("./region.js");
const memory = () => import("./memory.js");
const write = () => import("./write.js");
const fd = () => import("./file-descriptor.js");
const transfer = () => import("./file-transfer.js");
const thread = () => import("./thread.js");
const kernel = () => import("./kernel.js");
const processModel = () => import("./process.js");
const triage = () => import("./capture.js");
const finding = () => import("./finding.js");

/** By command name, in the order `procscope --help` lists them. */
export const COMMAND_CONTRACTS: Readonly<Record<string, CommandContract>> = Object.freeze({
  ps: {
    framing: "document",
    summary: "an array of Process",
    schema: () =>
      arrayOf(
        processModel().then((m) => m.ProcessSchema),
        "Process[]",
      ),
  },
  tree: {
    framing: "document",
    summary: "an array of ProcessTreeNode: the roots (one with a PID), each with its children",
    schema: () =>
      arrayOf(
        processModel().then((m) => m.ProcessTreeNodeSchema),
        "ProcessTreeNode[]",
      ),
  },
  show: { framing: "document", summary: "one ProcessDetails", schema: () => processModel().then((m) => m.ProcessDetailsSchema) },
  top: { framing: "document", summary: "one Snapshot (top --once --json)", schema: () => processModel().then((m) => m.SnapshotSchema) },
  watch: { framing: "ndjson", summary: "one ProcessEvent per line", schema: () => processModel().then((m) => m.ProcessEventSchema) },
  fds: {
    framing: "document",
    summary: "an array of FileDescriptor",
    schema: () =>
      arrayOf(
        fd().then((m) => m.FileDescriptorSchema),
        "FileDescriptor[]",
      ),
  },
  lsof: {
    framing: "document",
    summary: "an array of ProcessFiles, whatever the filters (--path, --type, --deleted, --pid)",
    schema: () =>
      arrayOf(
        fd().then((m) => m.ProcessFilesSchema),
        "ProcessFiles[]",
      ),
  },
  peers: {
    framing: "document",
    summary: "an array of Channel",
    schema: () =>
      arrayOf(
        import("./channel.js").then((m) => m.ChannelSchema),
        "Channel[]",
      ),
  },
  net: {
    framing: "document",
    summary: "one SocketTable: the sockets and the errors map",
    schema: () => import("./socket.js").then((m) => m.SocketTableSchema),
  },
  recover: {
    framing: "document",
    summary: "one RecoverReport (recovered and failed), with or without --deleted",
    schema: () => transfer().then((m) => m.RecoverReportSchema),
  },
  progress: {
    framing: "document",
    streamsWith: "--watch",
    summary: "one ProgressTick; with --watch, one per line",
    schema: () => transfer().then((m) => m.ProgressTickSchema),
  },
  follow: { framing: "ndjson", summary: "one FollowChunk per line", schema: () => transfer().then((m) => m.FollowChunkSchema) },
  pipeline: { framing: "document", summary: "one Pipeline", schema: () => transfer().then((m) => m.PipelineSchema) },
  serve: {
    framing: "ndjson",
    summary: "one ServerStarted line when the server listens",
    schema: async () => {
      const { Type } = await import("@sinclair/typebox");
      return Type.Object(
        {
          url: Type.String({ description: "where the server listens" }),
          port: Type.Integer({ minimum: 0, maximum: 65535 }),
          allowActions: Type.Boolean({ description: "whether signal and write actions are allowed" }),
        },
        { title: "ServerStarted", additionalProperties: false },
      );
    },
  },
  sys: {
    framing: "document",
    summary: "one SystemOverview; `sys NAME` prints that file parsed: `procscope schema sys NAME`",
    schema: () => import("./system.js").then((m) => m.SystemOverviewSchema),
    byArgument: { what: "system file", schemas: () => import("./system-files.js").then((m) => m.SYSTEM_FILE_SCHEMAS) },
  },
  maps: {
    framing: "document",
    summary: "an array of MapsEntry (a Region, with usage when --smaps)",
    schema: () =>
      arrayOf(
        region().then((m) => m.MapsEntrySchema),
        "MapsEntry[]",
      ),
  },
  read: { framing: "document", summary: "one ReadReport", schema: () => memory().then((m) => m.ReadReportSchema) },
  dump: { framing: "document", summary: "one DumpIndex", schema: () => memory().then((m) => m.DumpIndexSchema) },
  strings: {
    framing: "document",
    summary: "an array of StringRun",
    schema: () =>
      arrayOf(
        memory().then((m) => m.StringRunSchema),
        "StringRun[]",
      ),
  },
  search: {
    framing: "document",
    summary: "an array of Match",
    schema: () =>
      arrayOf(
        memory().then((m) => m.MatchSchema),
        "Match[]",
      ),
  },
  replace: { framing: "document", summary: "one ReplaceReport", schema: () => write().then((m) => m.ReplaceReportSchema) },
  write: { framing: "document", summary: "one WriteReport", schema: () => write().then((m) => m.WriteReportSchema) },
  undo: { framing: "document", summary: "one UndoReport", schema: () => write().then((m) => m.UndoReportSchema) },
  history: {
    framing: "document",
    summary: "an array of ShellHistory (or ShellHistoryFailure), one element for a PID",
    schema: () => import("./history.js").then((m) => m.HistoryListSchema),
  },
  threads: {
    framing: "document",
    summary: "an array of Thread",
    schema: () =>
      arrayOf(
        thread().then((m) => m.ThreadSchema),
        "Thread[]",
      ),
  },
  stack: { framing: "document", summary: "one Stacks (threads and groups)", schema: () => thread().then((m) => m.StacksSchema) },
  blocked: {
    framing: "document",
    summary: "an array of BlockedTask",
    schema: () =>
      arrayOf(
        thread().then((m) => m.BlockedTaskSchema),
        "BlockedTask[]",
      ),
  },
  ksym: {
    framing: "document",
    summary: "an array of SymbolHit, whatever the query",
    schema: () =>
      arrayOf(
        kernel().then((m) => m.SymbolHitSchema),
        "SymbolHit[]",
      ),
  },
  sysctl: {
    framing: "document",
    summary: "an array of SysctlEntry; with NAME VALUE (a write), one SysctlChange",
    schema: async () => {
      const [{ Type }, m] = await Promise.all([import("@sinclair/typebox"), kernel()]);
      return Type.Union([Type.Array(m.SysctlEntrySchema), m.SysctlChangeSchema], { title: "SysctlEntry[] | SysctlChange" });
    },
  },
  audit: {
    framing: "document",
    summary: "an array of Finding, most severe first",
    schema: () =>
      arrayOf(
        finding().then((m) => m.FindingSchema),
        "Finding[]",
      ),
  },
  capture: {
    framing: "document",
    summary: "the CaptureManifest of the capture written",
    schema: () => triage().then((m) => m.CaptureManifestSchema),
  },
  diff: { framing: "document", summary: "one SnapshotDiff", schema: () => triage().then((m) => m.SnapshotDiffSchema) },
});

/** The commands with a JSON contract, in listing order. */
export const SCHEMA_COMMANDS: readonly string[] = Object.freeze(Object.keys(COMMAND_CONTRACTS));

/** The JSON Schema dialect the schemas are written in (TypeBox's output is draft-07 compatible). */
export const JSON_SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#";

/**
 * The schema of `procscope NAME [ARGUMENT] --json`; undefined for a command without one, and for
 * an argument that names nothing with a schema of its own (any argument, for a command whose
 * document does not depend on one).
 */
export async function commandSchema(name: string, argument?: string): Promise<TSchema | undefined> {
  if (!Object.hasOwn(COMMAND_CONTRACTS, name)) return undefined;
  const contract = COMMAND_CONTRACTS[name] as CommandContract;
  if (argument === undefined) return contract.schema();
  if (contract.byArgument === undefined) return undefined;
  const schemas = await contract.byArgument.schemas();
  return Object.hasOwn(schemas, argument) ? schemas[argument] : undefined;
}

/** The arguments that pick a document of their own (`sys`: the system files); [] for others. */
export async function commandArguments(name: string): Promise<readonly string[]> {
  const byArgument = Object.hasOwn(COMMAND_CONTRACTS, name) ? COMMAND_CONTRACTS[name]?.byArgument : undefined;
  return byArgument === undefined ? [] : Object.keys(await byArgument.schemas());
}

/**
 * The JSON Schema document of a command's `--json` output, as `procscope schema NAME [ARGUMENT]`
 * prints it; undefined when there is none. Symbols TypeBox keeps on its schemas vanish in JSON.
 */
export async function commandJsonSchema(name: string, argument?: string): Promise<Record<string, unknown> | undefined> {
  const schema = await commandSchema(name, argument);
  if (schema === undefined) return undefined;
  const contract = COMMAND_CONTRACTS[name] as CommandContract;
  const picked = argument !== undefined && contract.byArgument !== undefined;
  const framing =
    contract.framing === "ndjson"
      ? "NDJSON: one document per line, each matching this schema"
      : contract.streamsWith
        ? `one document; with ${contract.streamsWith}, one per line (NDJSON), each matching this schema`
        : "one document";
  const what = picked ? `the ${contract.byArgument?.what} ${argument}, parsed` : contract.summary;
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $comment: `procscope ${name}${picked ? ` ${argument}` : ""} --json: ${what}. Framing: ${framing}.`,
    ...schema,
  };
}
