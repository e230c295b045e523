import type { ProcFs } from "../access/proc-fs.js";
import { readSystemInfo } from "../access/system-info.js";
import type { ProcessContext } from "./process.js";
import { loadUserDb } from "./user-db.js";

/** Everything the process readers need, read once: system info and user names. */
export function createProcessContext(procFs: ProcFs): ProcessContext {
  return { procFs, system: readSystemInfo(procFs), users: loadUserDb(procFs) };
}
