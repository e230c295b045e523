/** Loads the user database that belongs with a ProcFs root (/etc live, `<root>/../etc` captured). */
import type { ProcFs } from "../access/proc-fs.js";
import { createUserDb, type UserDb } from "./users.js";

export function loadUserDb(procFs: ProcFs): UserDb {
  return createUserDb(procFs.readEtc("passwd") ?? "", procFs.readEtc("group") ?? "");
}
