/**
 * The JSON Schemas of the API's answers, by the names routes give (RouteSpec.schema): the TypeBox
 * schemas of src/model/, which are the CLI's --json shapes. Imported only by the server (and the
 * tests), so the CLI's start-up never builds them.
 */
import { ProcessDetailsSchema, ProcessEventSchema, ProcessSchema, SnapshotSchema } from "../model/process.js";

export const API_SCHEMAS: Readonly<Record<string, unknown>> = {
  Process: ProcessSchema,
  ProcessDetails: ProcessDetailsSchema,
  Snapshot: SnapshotSchema,
  ProcessEvent: ProcessEventSchema,
};
