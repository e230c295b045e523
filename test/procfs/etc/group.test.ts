import { describe, expect, it } from "vitest";
import { parseEtcGroup } from "../../../src/procfs/etc/group.js";

// Captured from this machine's /etc/group.
const GROUP = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
news:x:9:
uucp:x:10:
man:x:12:
proxy:x:13:
kmem:x:15:
dialout:x:20:
fax:x:21:
voice:x:22:
cdrom:x:24:
floppy:x:25:
tape:x:26:
sudo:x:27:
audio:x:29:
dip:x:30:
www-data:x:33:
backup:x:34:
operator:x:37:
list:x:38:
irc:x:39:
src:x:40:
shadow:x:42:
utmp:x:43:
video:x:44:
sasl:x:45:
plugdev:x:46:
staff:x:50:
games:x:60:
users:x:100:
nogroup:x:65534:
cloudsdk:x:1000:
_ssh:x:101:
systemd-journal:x:999:
systemd-network:x:998:
systemd-timesync:x:997:
messagebus:x:102:
polkitd:x:996:
ssl-cert:x:103:postgres
postgres:x:104:
`;

describe("parseEtcGroup()", () => {
  it("maps every GID of a real file to its name", () => {
    const group = parseEtcGroup(GROUP);
    expect(group.entries).toHaveLength(47);
    expect(group.skippedLines).toEqual([]);
    expect(group.names.get(0)).toBe("root");
    expect(group.names.get(27)).toBe("sudo");
    expect(group.names.get(65534)).toBe("nogroup");
  });

  it("splits the member list", () => {
    const group = parseEtcGroup(GROUP);
    expect(group.entries.find((e) => e.name === "ssl-cert")).toEqual({ name: "ssl-cert", gid: 103, members: ["postgres"], line: 46 });
    expect(group.entries.find((e) => e.name === "root")?.members).toEqual([]);
    expect(parseEtcGroup("wheel:x:10:alice,bob,\n").entries[0]?.members).toEqual(["alice", "bob"]);
  });

  it("skips comments, blank lines and malformed lines", () => {
    const group = parseEtcGroup("# groups\n\nroot:x:0:\nbroken:x:1\nnan:x:x1:\n+:::\nadm:x:4:syslog\n");
    expect(group.entries.map((e) => e.name)).toEqual(["root", "adm"]);
    expect(group.skippedLines).toEqual([4, 5, 6]);
  });

  it("lets the first entry for a GID win, as getgrgid(3) does", () => {
    expect(parseEtcGroup("users:x:100:\nstaff:x:100:\n").names.get(100)).toBe("users");
  });
});
