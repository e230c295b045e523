import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ParseError } from "../../src/errors.js";
import { problemsOf } from "../../src/procfs/_lines.js";
import { parseNetPacket } from "../../src/procfs/net/packet.js";
import { decodeHexAddress, formatIpv6, parseNetTcp, parseNetTcp6 } from "../../src/procfs/net/tcp.js";
import { parseNetUdp } from "../../src/procfs/net/udp.js";
import { parseNetUnix, unixNameAsPrinted } from "../../src/procfs/net/unix.js";
import { accessMode, decodeOpenFlags, parsePidFdinfo } from "../../src/procfs/pid/fdinfo.js";
import { FIXTURE_PROC } from "../helpers/fixtures.js";
import { skippedOf } from "../procfs/_helpers.js";

/** The fdinfo files of one proc tree that can be read now (processes and fds come and go). */
function fdinfoTexts(root: string): string[] {
  const texts: string[] = [];
  for (const pid of fs.readdirSync(root).filter((name) => /^\d+$/.test(name))) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(path.join(root, pid, "fdinfo"));
    } catch {}
    for (const name of names) {
      try {
        texts.push(fs.readFileSync(path.join(root, pid, "fdinfo", name), "utf8"));
      } catch {}
    }
  }
  return texts;
}

// Captured on this machine (kernel 6.18): a python process with a listener, a connected pair,
// an IPv6 listener on ::1, a UDP socket, a named UNIX listener and a socketpair.
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 626 1 00000000da0647ac 100 0 0 10 0                       
   1: 0100007F:8729 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1302948 1 00000000e40026f6 100 0 0 10 0                   
   2: 0100007F:C14C 0100007F:8729 01 00000000:00000000 00:00000000 00000000     0        0 1302949 2 000000005b8d8545 20 0 0 10 -1                   
   3: 0100007F:8729 0100007F:C14C 01 00000000:00000000 00:00000000 00000000     0        0 1302950 1 000000001de7b6f7 20 0 0 10 -1                   
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:BCFD 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1302951 1 00000000d0e36753 100 0 0 10 0
`;
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            
 4770: 0100007F:C165 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1302952 2 000000008e2db8a7 0       
`;
const UNIX = `Num       RefCount Protocol Flags    Type St Inode Path
00000000715727e2: 00000002 00000000 00010000 0001 01 1302953 /tmp/cap.sock
000000009449d968: 00000003 00000000 00000000 0001 03 1302954
0000000062125845: 00000003 00000000 00000000 0001 03  1071
00000000dce44dde: 00000003 00000000 00000000 0002 01 1302955 @abstract name
`;

describe("parsePidFdinfo()", () => {
  it("reads pos, octal flags, mnt_id and ino of a real file fd", () => {
    const info = parsePidFdinfo("pos:\t3048\nflags:\t0100001\nmnt_id:\t27\nino:\t2253156\n");
    expect(info).toEqual({ pos: 3048, flags: 0o100001, mntId: 27, ino: 2253156, extra: [] });
  });

  it("keeps the per-kind lines of an eventfd", () => {
    const info = parsePidFdinfo(
      "pos:\t0\nflags:\t02000002\nmnt_id:\t17\nino:\t18\neventfd-count:                3\neventfd-id: 7\neventfd-semaphore: 0\n",
    );
    expect(info.extra).toEqual(["eventfd-count:                3", "eventfd-id: 7", "eventfd-semaphore: 0"]);
    expect(decodeOpenFlags(info.flags)).toEqual(["O_RDWR", "O_CLOEXEC"]);
  });

  it("gives ino null on kernels that do not print it", () => {
    expect(parsePidFdinfo("pos:\t0\nflags:\t02\nmnt_id:\t9\n").ino).toBeNull();
  });

  it("reads every fdinfo of this machine and of the captured tree as a line-by-line regex reading does", () => {
    // The way the parser read lines before it scanned them in place: kept as the reference.
    const reference = (text: string) => {
      const lines = text.split("\n");
      if (lines[lines.length - 1] === "") lines.pop();
      const found: Record<string, number> = {};
      const extra: string[] = [];
      for (const line of lines) {
        const match = /^(pos|flags|mnt_id|ino):\s+(\S+)$/.exec(line);
        if (match) found[match[1] as string] = match[1] === "flags" ? Number.parseInt(match[2] as string, 8) : Number(match[2]);
        else extra.push(line);
      }
      return { pos: found.pos, flags: found.flags, mntId: found.mnt_id, ino: found.ino ?? null, extra };
    };
    const texts = [...fdinfoTexts("/proc"), ...fdinfoTexts(FIXTURE_PROC)];
    expect(texts.length).toBeGreaterThan(50);
    for (const text of texts) expect(parsePidFdinfo(text)).toEqual(reference(text));
    const odd = "pos:\t7\nflags:  0100002\nmnt_id:\t3\nino:\t9 9\nino\t5\n\npos:x\n  flags:\t1\nmnt_id:\t\nlast: no newline";
    expect(parsePidFdinfo(odd)).toEqual(reference(odd));
    expect(parsePidFdinfo(odd).extra).toHaveLength(7);
    const repeated = "pos:\t1\nflags:\t02\nmnt_id:\t3\nino:\t4\neventfd-count: 5\npos:\t9\n";
    expect(parsePidFdinfo(repeated)).toEqual(reference(repeated));
    expect(parsePidFdinfo(repeated).pos).toBe(9);
  });

  it("rejects missing lines and non-octal flags", () => {
    expect(() => parsePidFdinfo("")).toThrow(ParseError);
    expect(() => parsePidFdinfo("pos:\t0\nmnt_id:\t9\n")).toThrow(/flags/);
    expect(() => parsePidFdinfo("pos:\t0\nflags:\t0189\nmnt_id:\t9\n")).toThrow(/octal/);
    expect(() => parsePidFdinfo("pos:\t-1\nflags:\t02\nmnt_id:\t9\n")).toThrow(/pos/);
    expect(() => parsePidFdinfo("pos:\t0\nflags:\t02")).toThrow(/missing "mnt_id:" line/);
    expect(() => parsePidFdinfo("pos:\t0\nflags:\t02\nmnt_id:\t9\nino:\t1\nflags:\t08\n")).toThrow(/line 5/);
  });
});

describe("decodeOpenFlags()", () => {
  it("names the access mode first, then the bits, and shows unknown bits in octal", () => {
    expect(decodeOpenFlags(0)).toEqual(["O_RDONLY"]);
    expect(decodeOpenFlags(0o2004001 | 0o2000)).toEqual(["O_WRONLY", "O_APPEND", "O_NONBLOCK", "O_CLOEXEC"]);
    expect(decodeOpenFlags(0o4010002)).toEqual(["O_RDWR", "O_SYNC"]);
    expect(decodeOpenFlags(0o40000000)).toEqual(["O_RDONLY", "040000000"]);
    expect(accessMode(0o100001)).toBe("w");
    expect(accessMode(2)).toBe("rw");
  });
});

describe("parseNetTcp()", () => {
  it("decodes addresses, ports, states and inodes of real lines", () => {
    const rows = parseNetTcp(TCP);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatchObject({ localAddress: "0.0.0.0", localPort: 2024, state: "LISTEN", inode: 626 });
    expect(rows[2]).toMatchObject({
      localAddress: "127.0.0.1",
      localPort: 0xc14c,
      remoteAddress: "127.0.0.1",
      remotePort: 0x8729,
      state: "ESTABLISHED",
      inode: 1302949,
      txQueue: 0,
      uid: 0,
    });
  });

  it("decodes IPv6 addresses in tcp6", () => {
    const [row] = parseNetTcp6(TCP6);
    expect(row).toMatchObject({ family: "inet6", localAddress: "::1", localPort: 0xbcfd, remoteAddress: "::", state: "LISTEN" });
  });

  it("rejects unexpected columns, IPv6 text where IPv4 is due, and cut lines", () => {
    expect(() => parseNetTcp(TCP.replace("local_address", "laddr"))).toThrow(/unexpected columns/);
    // Every row of tcp6 is skipped in a tcp parse, and said so.
    expect(problemsOf(parseNetTcp(TCP6)).length).toBe(TCP6.split("\n").length - 2);
    expect(skippedOf(() => parseNetTcp(`${TCP.split("\n")[0]}\n   0: 0100007F:8729 0100007F\n`)).line).toBe(2);
    expect(() => parseNetTcp("")).toThrow(ParseError);
  });
});

describe("decodeHexAddress()", () => {
  it("reads little-endian words and formats IPv6 as RFC 5952", () => {
    expect(decodeHexAddress("0100007F")).toBe("127.0.0.1");
    expect(decodeHexAddress("0000000000000000FFFF00000100007F")).toBe("::ffff:127.0.0.1");
    expect(decodeHexAddress("B80D0120000000000000000001000000")).toBe("2001:db8::1");
    expect(formatIpv6([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2])).toBe("fe80::1:0:0:2");
  });
});

describe("parseNetUdp()", () => {
  it("reads the extra columns' file and the unconnected state", () => {
    const [row] = parseNetUdp(UDP);
    expect(row).toMatchObject({ localAddress: "127.0.0.1", localPort: 0xc165, state: "CLOSE", inode: 1302952 });
  });
});

describe("parseNetUnix()", () => {
  it("reads listeners, unnamed sockets, padded inodes and abstract names with spaces", () => {
    const rows = parseNetUnix(UNIX);
    expect(rows[0]).toMatchObject({ listening: true, type: "stream", path: "/tmp/cap.sock", inode: 1302953 });
    expect(rows[1]).toMatchObject({ listening: false, state: "CONNECTED", path: null, inode: 1302954 });
    expect(rows[2]?.inode).toBe(1071);
    expect(rows[3]).toMatchObject({ type: "dgram", path: "@abstract name" });
  });

  it("rejects another header and malformed lines", () => {
    expect(() => parseNetUnix(UNIX.replace("Inode", "Ino"))).toThrow(/unexpected columns/);
    expect(skippedOf(() => parseNetUnix(`${UNIX.split("\n")[0]}\ngarbage\n${UNIX.split("\n").slice(1).join("\n")}`)).line).toBe(2);
    // After a record with a path, a line that is not a record goes on with the path (a "\n" in the name).
    expect(parseNetUnix(`${UNIX}garbage\n`).at(-1)?.path).toMatch(/\ngarbage$/);
  });

  it("keeps a line shaped like a record inside the name the kernel gave for the socket before it", () => {
    const forged = "0000000000000000: 00000002 00000000 00010000 0001 01 99999 forged";
    const text = `${UNIX}0000000000000000: 00000002 00000000 00010000 0001 01 4242 /tmp/c\n${forged}\n0000000000000000: 00000002 00000000 00010000 0001 01 4243 /tmp/d\n`;
    const names = new Map([
      [4242, `/tmp/c\n${forged}`],
      [4243, "/tmp/d"],
    ]);
    const rows = parseNetUnix(text, names);
    expect(rows.slice(-2).map((r) => [r.inode, r.path])).toEqual([
      [4242, `/tmp/c\n${forged}`],
      [4243, "/tmp/d"],
    ]);
    expect(rows.some((r) => r.inode === 99999)).toBe(false);
    // Without the kernel's names the forged line passes for a socket (net then says names are unchecked).
    expect(parseNetUnix(text).some((r) => r.inode === 99999)).toBe(true);
  });

  it("takes the empty line after a name ending in a newline as part of it, when the kernel says so", () => {
    const text = `${UNIX}0000000000000000: 00000002 00000000 00010000 0001 01 4242 /tmp/e\n\n0000000000000000: 00000002 00000000 00010000 0001 01 4243\n`;
    const rows = parseNetUnix(text, new Map([[4242, "/tmp/e\n"]]));
    expect(rows.slice(-2).map((r) => [r.inode, r.path])).toEqual([
      [4242, "/tmp/e\n"],
      [4243, null],
    ]);
  });
});

describe("unixNameAsPrinted()", () => {
  it("drops a path's terminating NUL and prints an abstract name's NULs as @, as unix_seq_show() does", () => {
    expect(Buffer.from(unixNameAsPrinted(Buffer.from("/tmp/a\n\xff\0", "latin1"))).toString("latin1")).toBe("/tmp/a\n\xff");
    expect(Buffer.from(unixNameAsPrinted(Buffer.from("\0abs\0x", "latin1"))).toString("latin1")).toBe("@abs@x");
  });
});

describe("parseNetPacket()", () => {
  it("reads an AF_PACKET socket line", () => {
    const text =
      "sk               RefCnt Type Proto  Iface R Rmem   User   Inode\nffff8f1ac2a5c800 3      3    0003   2     1 0      0      31337\n";
    expect(parseNetPacket(text)).toEqual([{ typeCode: 3, protocol: 3, ifindex: 2, running: true, rmemBytes: 0, uid: 0, inode: 31337 }]);
    expect(() => parseNetPacket("sk RefCnt\n")).toThrow(/unexpected columns/);
  });
});
