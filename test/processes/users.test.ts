import { describe, expect, it } from "vitest";
import { createUserDb } from "../../src/processes/users.js";

// Lines from this machine's /etc/passwd and /etc/group.
const PASSWD = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
cloudsdk:x:1000:1000::/home/cloudsdk:/bin/bash
postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash
`;
const GROUP = `root:x:0:
sudo:x:27:
nogroup:x:65534:
ssl-cert:x:103:postgres
postgres:x:104:
`;

describe("createUserDb()", () => {
  it("userName() returns the name for a known UID", () => {
    const db = createUserDb(PASSWD, GROUP);
    expect(db.userName(0)).toBe("root");
    expect(db.userName(1000)).toBe("cloudsdk");
    expect(db.userName(65534)).toBe("nobody");
  });

  it("userName() returns the number as a string for an unknown UID", () => {
    const db = createUserDb(PASSWD, GROUP);
    expect(db.userName(4242)).toBe("4242");
    expect(db.findUserName(4242)).toBeNull();
  });

  it("groupName() returns the name, or the number for an unknown GID", () => {
    const db = createUserDb(PASSWD, GROUP);
    expect(db.groupName(104)).toBe("postgres");
    expect(db.groupName(5)).toBe("5");
    expect(db.findGroupName(27)).toBe("sudo");
  });

  it("works from empty texts, for files that could not be read", () => {
    const db = createUserDb("", "");
    expect(db.userName(0)).toBe("0");
    expect(db.groupName(0)).toBe("0");
  });

  it("userName() skips malformed passwd lines without losing the rest", () => {
    const db = createUserDb(`garbage\n${PASSWD}`, GROUP);
    expect(db.userName(101)).toBe("postgres");
  });
});
