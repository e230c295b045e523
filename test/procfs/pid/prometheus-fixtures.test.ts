/**
 * Cross-check against a second, independent /proc tree: the test fixtures of the Go library
 * prometheus/procfs, unpacked by its extract.py into a temporary directory (never committed).
 * Every per-process file this module family parses is run through its parser.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { capabilityNames, isFullCapabilitySet } from "../../../src/procfs/capabilities.js";
import { parsePidCgroup } from "../../../src/procfs/pid/cgroup.js";
import { parsePidIo } from "../../../src/procfs/pid/io.js";
import { parsePidLimits, pidLimit } from "../../../src/procfs/pid/limits.js";
import { parsePidLoginuid } from "../../../src/procfs/pid/loginuid.js";
import { parsePidMountinfo } from "../../../src/procfs/pid/mountinfo.js";
import { parseNsLink } from "../../../src/procfs/pid/ns.js";
import { parsePidOomScore, parsePidOomScoreAdj } from "../../../src/procfs/pid/oom_score.js";
import { parsePidPersonality } from "../../../src/procfs/pid/personality.js";
import { parsePidStatus } from "../../../src/procfs/pid/status.js";
import { parsePidWchan } from "../../../src/procfs/pid/wchan.js";
import { peerProc } from "../../helpers/fixtures.js";

const PARSERS: Readonly<Record<string, (text: string) => unknown>> = {
  limits: parsePidLimits,
  io: parsePidIo,
  cgroup: parsePidCgroup,
  mountinfo: parsePidMountinfo,
  oom_score: parsePidOomScore,
  oom_score_adj: parsePidOomScoreAdj,
  loginuid: parsePidLoginuid,
  personality: parsePidPersonality,
  wchan: parsePidWchan,
};

/**
 * Fixture files that are not kernel output and must be refused. The kernel prints every io
 * counter with %llu (fs/proc/base.c, do_io_accounting()), so "cancelled_write_bytes: -1024" cannot
 * come from a kernel.
 */
const NOT_KERNEL_OUTPUT: Readonly<Record<string, RegExp>> = {
  "26231/io": /"cancelled_write_bytes" is not an unsigned integer/,
};

let proc = "";
let pids: string[] = [];

beforeAll(() => {
  proc = peerProc();
  pids = readdirSync(proc).filter((name) => /^\d+$/.test(name));
});

describe("prometheus/procfs fixtures", () => {
  it("parsePid*() accept every per-process file they cover, and parsePidIo() refuses a negative counter", () => {
    const seen: string[] = [];
    for (const pid of pids) {
      for (const [file, parse] of Object.entries(PARSERS)) {
        const path = join(proc, pid, file);
        if (!existsSync(path)) continue;
        const key = `${pid}/${file}`;
        seen.push(key);
        const text = readFileSync(path, "latin1");
        const refusal = NOT_KERNEL_OUTPUT[key];
        if (refusal) {
          expect(() => parse(text), key).toThrow(ParseError);
          expect(() => parse(text), key).toThrow(refusal);
        } else {
          expect(() => parse(text), key).not.toThrow();
        }
      }
    }
    // Guard against an archive that silently stops holding what we check.
    expect(seen).toEqual(
      expect.arrayContaining(["26231/limits", "26232/limits", "26231/io", "26231/mountinfo", "26231/wchan", "26232/wchan"]),
    );
  });

  it("parseNsLink() reads every namespace link", () => {
    let links = 0;
    for (const pid of pids) {
      const nsDir = join(proc, pid, "ns");
      if (!existsSync(nsDir)) continue;
      for (const name of readdirSync(nsDir)) {
        const link = parseNsLink(readlinkSync(join(nsDir, name)));
        expect(link.type).toBe(name.replace("_for_children", ""));
        links++;
      }
    }
    expect(links).toBeGreaterThanOrEqual(2);
    expect(parseNsLink(readlinkSync(join(proc, "26231", "ns", "net")))).toEqual({ type: "net", inode: 4026531993 });
  });

  it("capabilityNames() and isFullCapabilitySet() decode the capability sets of every status file", () => {
    let sets = 0;
    for (const pid of pids) {
      const path = join(proc, pid, "status");
      if (!existsSync(path)) continue;
      const status = parsePidStatus(readFileSync(path, "latin1"));
      for (const mask of [status.capInh, status.capPrm, status.capEff, status.capBnd, status.capAmb]) {
        if (mask === null) continue;
        expect(capabilityNames(mask).every((name) => name.startsWith("cap_"))).toBe(true);
        sets++;
      }
      // 0x3fffffffff is the full set of a kernel whose cap_last_cap is 37 (cap_audit_read).
      expect(status.capBnd === null || isFullCapabilitySet(status.capBnd, 37)).toBe(true);
      expect(status.capBnd === null || capabilityNames(status.capBnd)).toHaveLength(38);
    }
    expect(sets).toBeGreaterThanOrEqual(5);
  });

  it("parsePidLimits(), parsePidMountinfo() and parsePidWchan() read the awkward values as written", () => {
    const limits = parsePidLimits(readFileSync(join(proc, "26231", "limits"), "latin1"));
    expect(pidLimit(limits, "RLIMIT_MEMLOCK")?.soft).toBe(18446744073708503040n);
    expect(pidLimit(limits, "RLIMIT_NICE")?.unit).toBeNull();
    expect(pidLimit(limits, "RLIMIT_AS")).toMatchObject({ soft: 8589934592n, hard: "unlimited" });
    // The first line has two spaces between root and mount point ("/  /root"): read as "/" and "/root".
    const mounts = parsePidMountinfo(readFileSync(join(proc, "26231", "mountinfo"), "latin1"));
    expect(mounts[0]).toMatchObject({ root: "/", mountPoint: "/root", mountOptions: ["rw", "nosuid"], shared: 8 });
    expect(mounts[4]).toMatchObject({ fsType: "nfs4", source: "192.168.1.1:/srv/test", mountPoint: "/mnt/nfs/test" });
    expect(parsePidWchan(readFileSync(join(proc, "26231", "wchan"), "latin1"))).toBe("poll_schedule_timeout");
    expect(parsePidWchan(readFileSync(join(proc, "26232", "wchan"), "latin1"))).toBeNull();
  });
});
