/**
 * User and group names for the IDs in /proc/PID/status, from the texts of /etc/passwd and
 * /etc/group (passwd(5), group(5)). Pure: the caller reads the files (under --root, the captured
 * ones). Only local files are consulted; NSS sources such as LDAP or systemd-userdb are not.
 */
import { parseEtcGroup } from "../procfs/etc/group.js";
import { parseEtcPasswd } from "../procfs/etc/passwd.js";

export interface UserDb {
  /** The user name for a UID, or the UID as a decimal string when no entry names it. */
  userName(uid: number): string;
  /** The group name for a GID, or the GID as a decimal string when no entry names it. */
  groupName(gid: number): string;
  /** The user name, or null when unknown. */
  findUserName(uid: number): string | null;
  /** The group name, or null when unknown. */
  findGroupName(gid: number): string | null;
  /** The uid of a user name, or null when no entry has that name. */
  findUid(name: string): number | null;
}

/**
 * Builds a look-up from the two file texts; pass "" for a file that could not be read.
 * createUserDb("root:x:0:0::/root:/bin/sh\n", "").userName(0) === "root"; .userName(4242) === "4242"
 */
export function createUserDb(passwdText: string, groupText: string): UserDb {
  const users = parseEtcPasswd(passwdText).names;
  const groups = parseEtcGroup(groupText).names;
  return {
    userName: (uid) => users.get(uid) ?? String(uid),
    groupName: (gid) => groups.get(gid) ?? String(gid),
    findUserName: (uid) => users.get(uid) ?? null,
    findGroupName: (gid) => groups.get(gid) ?? null,
    findUid: (name) => {
      for (const [uid, user] of users) if (user === name) return uid;
      return null;
    },
  };
}
