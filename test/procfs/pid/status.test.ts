/**
 * parsePidStatus() and parsePidStatusBrief() on /proc/PID/status text captured on this project's
 * VM (Linux 6.18, x86-64): a running process, a kernel thread and a zombie (neither has the Vm*
 * lines: no mm), and names the kernel escapes.
 */
import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { parsePidStatus, parsePidStatusBrief } from "../../../src/procfs/pid/status.js";

const MEMS_ALLOWED = `${"00000000,".repeat(31)}00000001`;

/** `sleep 30`, started as root from a shell. */
const SLEEP = `Name:\tsleep
Umask:\t0022
State:\tS (sleeping)
Tgid:\t26902
Ngid:\t0
Pid:\t26902
PPid:\t26806
TracerPid:\t0
Uid:\t0\t0\t0\t0
Gid:\t0\t0\t0\t0
FDSize:\t256
Groups:\t 
NStgid:\t26902
NSpid:\t26902
NSpgid:\t26803
NSsid:\t5977
Kthread:\t0
VmPeak:\t    2920 kB
VmSize:\t    2920 kB
VmLck:\t       0 kB
VmPin:\t       0 kB
VmHWM:\t    1804 kB
VmRSS:\t    1804 kB
RssAnon:\t     108 kB
RssFile:\t    1696 kB
RssShmem:\t       0 kB
VmData:\t     224 kB
VmStk:\t     132 kB
VmExe:\t      20 kB
VmLib:\t    1528 kB
VmPTE:\t      44 kB
VmSwap:\t       0 kB
HugetlbPages:\t       0 kB
CoreDumping:\t0
THP_enabled:\t1
untag_mask:\t0xffffffffffffffff
Threads:\t1
SigQ:\t1/96362
SigPnd:\t0000000000000000
ShdPnd:\t0000000000000000
SigBlk:\t0000000000000000
SigIgn:\t0000000000000000
SigCgt:\t0000000000000000
CapInh:\t0000000000000000
CapPrm:\t000001fffeffffff
CapEff:\t000001fffeffffff
CapBnd:\t000001fffeffffff
CapAmb:\t0000000000000000
NoNewPrivs:\t0
Seccomp:\t0
Seccomp_filters:\t0
Speculation_Store_Bypass:\tvulnerable
SpeculationIndirectBranch:\talways enabled
Cpus_allowed:\t3
Cpus_allowed_list:\t0-1
Mems_allowed:\t${MEMS_ALLOWED}
Mems_allowed_list:\t0
voluntary_ctxt_switches:\t7
nonvoluntary_ctxt_switches:\t1
`;

/** /proc/2/status: kthreadd. No Vm*, Rss* or CoreDumping lines, and no Umask-less surprises. */
const KTHREADD = `Name:\tkthreadd
Umask:\t0022
State:\tS (sleeping)
Tgid:\t2
Ngid:\t0
Pid:\t2
PPid:\t0
TracerPid:\t0
Uid:\t0\t0\t0\t0
Gid:\t0\t0\t0\t0
FDSize:\t64
Groups:\t 
NStgid:\t2
NSpid:\t2
NSpgid:\t0
NSsid:\t0
Kthread:\t1
Threads:\t1
SigQ:\t1/96362
SigPnd:\t0000000000000000
ShdPnd:\t0000000000000000
SigBlk:\t0000000000000000
SigIgn:\tffffffffffffffff
SigCgt:\t0000000000000000
CapInh:\t0000000000000000
CapPrm:\t000001ffffffffff
CapEff:\t000001ffffffffff
CapBnd:\t000001ffffffffff
CapAmb:\t0000000000000000
NoNewPrivs:\t0
Seccomp:\t0
Seccomp_filters:\t0
Speculation_Store_Bypass:\tvulnerable
SpeculationIndirectBranch:\talways enabled
Cpus_allowed:\t3
Cpus_allowed_list:\t0-1
Mems_allowed:\t${MEMS_ALLOWED}
Mems_allowed_list:\t0
voluntary_ctxt_switches:\t63
nonvoluntary_ctxt_switches:\t0
`;

/** A zombie `true` whose parent had not waited yet: no Umask line, no Vm* lines, FDSize 0. */
const ZOMBIE = `Name:\ttrue
State:\tZ (zombie)
Tgid:\t26916
Ngid:\t0
Pid:\t26916
PPid:\t26806
TracerPid:\t0
Uid:\t0\t0\t0\t0
Gid:\t0\t0\t0\t0
FDSize:\t0
Groups:\t 
NStgid:\t26916
NSpid:\t26916
NSpgid:\t26803
NSsid:\t5977
Kthread:\t0
Threads:\t1
SigQ:\t1/96362
SigPnd:\t0000000000000000
ShdPnd:\t0000000000000000
SigBlk:\t0000000000000000
SigIgn:\t0000000000000000
SigCgt:\t0000000000000000
CapInh:\t0000000000000000
CapPrm:\t000001fffeffffff
CapEff:\t000001fffeffffff
CapBnd:\t000001fffeffffff
CapAmb:\t0000000000000000
NoNewPrivs:\t0
Seccomp:\t0
Seccomp_filters:\t0
Speculation_Store_Bypass:\tvulnerable
SpeculationIndirectBranch:\talways enabled
Cpus_allowed:\t3
Cpus_allowed_list:\t0-1
Mems_allowed:\t${MEMS_ALLOWED}
Mems_allowed_list:\t0
voluntary_ctxt_switches:\t2
nonvoluntary_ctxt_switches:\t2
`;

/** SLEEP with its Name line replaced by `line` (as captured from processes that set their own comm). */
const named = (line: string): string => SLEEP.replace("Name:\tsleep\n", `${line}\n`);

describe("parsePidStatus()", () => {
  it("reads a running process, memory lines as bytes", () => {
    const status = parsePidStatus(SLEEP);
    expect(status).toMatchObject({
      name: "sleep",
      umask: 0o022,
      state: "S",
      tgid: 26902,
      pid: 26902,
      ppid: 26806,
      tracerPid: 0,
      uids: { real: 0, effective: 0, saved: 0, filesystem: 0 },
      fdSize: 256,
      groups: [],
      nsPid: [26902],
      nsSid: [5977],
      vmPeakBytes: 2920 * 1024,
      vmRssBytes: 1804 * 1024,
      rssAnonBytes: 108 * 1024,
      rssFileBytes: 1696 * 1024,
      vmSwapBytes: 0,
      coreDumping: false,
      threads: 1,
      sigQueued: 1,
      sigQueueLimit: 96362,
      capEff: 0x1fffeffffffn,
      noNewPrivs: false,
      seccomp: 0,
      cpusAllowedList: "0-1",
      voluntaryCtxtSwitches: 7,
      nonvoluntaryCtxtSwitches: 1,
    });
    // Keys this parser does not model stay reachable, as printed.
    expect(status.raw.THP_enabled).toBe("1");
    expect(status.raw.untag_mask).toBe("0xffffffffffffffff");
  });

  it("gives a kernel thread null for every memory field, not 0", () => {
    const status = parsePidStatus(KTHREADD);
    expect(status).toMatchObject({ name: "kthreadd", pid: 2, ppid: 0, threads: 1, sigIgn: 0xffffffffffffffffn, coreDumping: null });
    for (const key of Object.keys(status).filter((k) => /^(vm|rss|hugetlb)\w*Bytes$/.test(k))) {
      expect(status[key as keyof typeof status], key).toBeNull();
    }
    expect(status.raw.Kthread).toBe("1");
  });

  it("reads a zombie: state Z, no Umask, no memory", () => {
    const status = parsePidStatus(ZOMBIE);
    expect(status).toMatchObject({ name: "true", state: "Z", umask: null, fdSize: 0, vmRssBytes: null, vmSizeBytes: null });
  });

  it('keeps ") (" and leading or trailing spaces in Name', () => {
    // Captured after each process wrote its own /proc/self/comm.
    expect(parsePidStatus(named("Name:\ta) (b")).name).toBe("a) (b");
    expect(parsePidStatus(named("Name:\t lead sp")).name).toBe(" lead sp");
    expect(parsePidStatus(named("Name:\tx\\ny\\\\z ")).name).toBe("x\ny\\z ");
    expect(parsePidStatus(named("Name:\ttab\there")).name).toBe("tab\there");
  });

  it("undoes the kernel's escapes of newline and backslash in Name, and only those", () => {
    // comm "x<newline>y\z " is printed "x\ny\\z " (fs/proc/array.c escapes "\n\\" only).
    expect(parsePidStatus(named("Name:\tx\\ny\\\\z ")).name).toBe("x\ny\\z ");
    expect(parsePidStatus(named("Name:\t\\\\n")).name).toBe("\\n");
  });

  it("names the line that does not parse", () => {
    const error = (() => {
      try {
        parsePidStatus(SLEEP.replace("VmRSS:\t    1804 kB", "VmRSS:\t    1804 MB"));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ParseError);
    expect(String(error)).toMatch(/"VmRSS" is not "N kB"/);
    expect(() => parsePidStatus(SLEEP.replace("Uid:\t0\t0\t0\t0", "Uid:\t0\t0"))).toThrow(/"Uid" needs four ids/);
    expect(() => parsePidStatus(SLEEP.replace("SigBlk:\t0000000000000000", "SigBlk:\tzz"))).toThrow(/"SigBlk" is not hexadecimal/);
    expect(() => parsePidStatus("State:\tS (sleeping)\nPid:\t1\nPPid:\t0\n")).toThrow(/missing "Name:" line/);
    expect(() => parsePidStatus("Name:\tx\nnot a key value line\n")).toThrow(ParseError);
  });

  it("accepts a file from an older kernel that lacks the newer lines", () => {
    // A 2.6-era layout: no NSpid, no Umask, no Seccomp, no Speculation lines.
    const old = "Name:\tinit\nState:\tS (sleeping)\nTgid:\t1\nPid:\t1\nPPid:\t0\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nVmRSS:\t     560 kB\n";
    expect(parsePidStatus(old)).toMatchObject({ name: "init", pid: 1, nsPid: [], umask: null, seccomp: null, vmRssBytes: 560 * 1024 });
  });
});

describe("parsePidStatusBrief()", () => {
  it("agrees with parsePidStatus() on uids and VmRSS for each captured file", () => {
    for (const text of [SLEEP, KTHREADD, ZOMBIE, named("Name:\tVmRSS:\t1 kB")]) {
      const full = parsePidStatus(text);
      expect(parsePidStatusBrief(text)).toEqual({ uids: full.uids, vmRssBytes: full.vmRssBytes });
    }
  });

  it("gives null VmRSS for a kernel thread and refuses a malformed one", () => {
    expect(parsePidStatusBrief(KTHREADD).vmRssBytes).toBeNull();
    expect(() => parsePidStatusBrief("Uid:\t0\t0\t0\t0\nVmRSS:\t12 MB\n")).toThrow(ParseError);
    expect(() => parsePidStatusBrief("Uid:\t0\t0\nVmRSS:\t12 kB\n")).toThrow(/"Uid" needs four ids/);
  });
});
