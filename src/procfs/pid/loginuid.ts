/**
 * /proc/PID/loginuid — audit; proc(5) leaves it undescribed, see pam_loginuid(8) and auditctl(8).
 * The audit login UID as unsigned decimal with no trailing newline. 4294967295 ((uid_t)-1,
 * AUDIT_UID_UNSET) means no login set it: daemons and everything started before login.
 */
import { ParseError } from "../../errors.js";

/** (uid_t)-1: the login UID was never set. */
export const AUDIT_UID_UNSET = 4294967295;

/**
 * The login UID, or null when unset.
 * parsePidLoginuid("1000") === 1000; parsePidLoginuid("4294967295") === null
 */
export function parsePidLoginuid(text: string): number | null {
  const match = /^(\d+)\n?$/.exec(text);
  if (!match) throw new ParseError("expected an unsigned decimal number", text, 1);
  const uid = Number(match[1]);
  if (uid > AUDIT_UID_UNSET) throw new ParseError("the UID does not fit in 32 bits", text, 1);
  return uid === AUDIT_UID_UNSET ? null : uid;
}
