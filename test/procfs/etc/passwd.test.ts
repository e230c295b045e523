import { describe, expect, it } from "vitest";
import { parseEtcPasswd } from "../../../src/procfs/etc/passwd.js";

// Captured from this machine's /etc/passwd.
const PASSWD = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
games:x:5:60:games:/usr/games:/usr/sbin/nologin
man:x:6:12:man:/var/cache/man:/usr/sbin/nologin
lp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin
mail:x:8:8:mail:/var/mail:/usr/sbin/nologin
news:x:9:9:news:/var/spool/news:/usr/sbin/nologin
uucp:x:10:10:uucp:/var/spool/uucp:/usr/sbin/nologin
proxy:x:13:13:proxy:/bin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
backup:x:34:34:backup:/var/backups:/usr/sbin/nologin
list:x:38:38:Mailing List Manager:/var/list:/usr/sbin/nologin
irc:x:39:39:ircd:/run/ircd:/usr/sbin/nologin
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
cloudsdk:x:1000:1000::/home/cloudsdk:/bin/bash
systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin
systemd-timesync:x:997:997:systemd Time Synchronization:/:/usr/sbin/nologin
messagebus:x:100:102::/nonexistent:/usr/sbin/nologin
polkitd:x:996:996:polkit:/nonexistent:/usr/sbin/nologin
postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash
`;

describe("parseEtcPasswd()", () => {
  it("maps every UID of a real file to its name", () => {
    const passwd = parseEtcPasswd(PASSWD);
    expect(passwd.entries).toHaveLength(24);
    expect(passwd.skippedLines).toEqual([]);
    expect(passwd.names.get(0)).toBe("root");
    expect(passwd.names.get(65534)).toBe("nobody");
    expect(passwd.names.get(1000)).toBe("cloudsdk");
    expect(passwd.names.get(101)).toBe("postgres");
  });

  it("keeps all seven fields, an empty GECOS and one with commas", () => {
    const passwd = parseEtcPasswd(PASSWD);
    expect(passwd.entries.find((e) => e.name === "_apt")).toEqual({
      name: "_apt",
      uid: 42,
      gid: 65534,
      gecos: "",
      home: "/nonexistent",
      shell: "/usr/sbin/nologin",
      line: 17,
    });
    expect(passwd.entries.find((e) => e.uid === 101)?.gecos).toBe("PostgreSQL administrator,,,");
  });

  it("skips comments and blank lines silently", () => {
    const passwd = parseEtcPasswd("# users\n\n   \nroot:x:0:0:root:/root:/bin/bash\n  # indented\n");
    expect(passwd.entries).toHaveLength(1);
    expect(passwd.skippedLines).toEqual([]);
  });

  it("skips malformed lines and says which", () => {
    const text = [
      "root:x:0:0:root:/root:/bin/bash",
      "short:x:5",
      "bad:x:abc:0::/:/bin/sh",
      ":x:7:7::/:/bin/sh",
      "+@netgroup::::::",
      "toolong:x:8:8::/:/bin/sh:extra",
      "unset:x:4294967295:0::/:/bin/sh",
      "ok:x:9:9::/:/bin/sh",
    ].join("\n");
    const passwd = parseEtcPasswd(text);
    expect(passwd.entries.map((e) => e.name)).toEqual(["root", "ok"]);
    expect(passwd.skippedLines).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it("lets the first entry for a UID win, as getpwuid(3) does", () => {
    const passwd = parseEtcPasswd("root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/csh\n");
    expect(passwd.names.get(0)).toBe("root");
    expect(passwd.entries).toHaveLength(2);
  });

  it("reads CRLF line endings and a missing final newline", () => {
    expect(parseEtcPasswd("root:x:0:0::/root:/bin/sh\r\nbin:x:2:2::/bin:/bin/false").names).toEqual(
      new Map([
        [0, "root"],
        [2, "bin"],
      ]),
    );
  });

  it("returns empty maps for empty text", () => {
    expect(parseEtcPasswd("").names.size).toBe(0);
  });
});
