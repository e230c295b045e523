import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { ParseError } from "../../src/errors.js";
import { problemsOf } from "../../src/procfs/_lines.js";
import { parsePidSched } from "../../src/procfs/pid/sched.js";
import { formatStackFrame, parsePidStack } from "../../src/procfs/pid/stack.js";
import { parsePidSyscall } from "../../src/procfs/pid/syscall.js";
import { syscallArchOf, syscallName } from "../../src/procfs/syscalls/index.js";
import { SYSCALLS_UNIFIED } from "../../src/procfs/syscalls/unified.js";
import { SYSCALLS_X86_64 } from "../../src/procfs/syscalls/x86_64.js";
import { decodeSyscall, formatSyscall } from "../../src/threads/syscall.js";

// Captured on this VM (kernel 6.18): /proc/PID/task/TID/stack of `sleep 100`.
const SLEEP_STACK = `[<0>] hrtimer_nanosleep+0x74/0xf0
[<0>] common_nsleep+0x30/0x60
[<0>] __x64_sys_clock_nanosleep+0xce/0x140
[<0>] do_syscall_64+0x71/0x280
[<0>] entry_SYSCALL_64_after_hwframe+0x76/0x7e
`;
// The example of issue 5: a frame in a module.
const MODULE_FRAME = "[<0>] folio_wait_bit_common+0x13d/0x350 [cifs]\n";

describe("parsePidStack()", () => {
  it("reads symbol, offset and size of each frame, innermost first", () => {
    const frames = parsePidStack(SLEEP_STACK);
    expect(frames).toHaveLength(5);
    expect(frames[0]).toEqual({ address: null, symbol: "hrtimer_nanosleep", offsetBytes: 0x74, sizeBytes: 0xf0, module: null });
    expect(frames[4]?.symbol).toBe("entry_SYSCALL_64_after_hwframe");
  });

  it("reads the module in brackets", () => {
    expect(parsePidStack(MODULE_FRAME)[0]).toEqual({
      address: null,
      symbol: "folio_wait_bit_common",
      offsetBytes: 0x13d,
      sizeBytes: 0x350,
      module: "cifs",
    });
  });

  it("keeps an address that has no symbol, and real addresses of older kernels", () => {
    const frames = parsePidStack("[<ffffffffc0a01234>] 0xffffffffc0a01234\n[<ffffffff81000000>] foo.cold+0x1/0x2\n");
    expect(frames[0]).toMatchObject({ address: 0xffffffffc0a01234n, symbol: null, offsetBytes: null });
    expect(frames[1]).toMatchObject({ address: 0xffffffff81000000n, symbol: "foo.cold" });
  });

  it("formats a frame back as the kernel prints it", () => {
    expect(parsePidStack(SLEEP_STACK + MODULE_FRAME).map(formatStackFrame)).toEqual(
      [...SLEEP_STACK.split("\n").slice(0, 5), MODULE_FRAME.trim()].map((l) => l.replace("[<0>] ", "")),
    );
  });

  it("reads an empty stack (a task running in user space) as no frames", () => {
    expect(parsePidStack("")).toEqual([]);
  });

  it("skips a malformed line, naming it, and keeps the frames after it", () => {
    const frames = parsePidStack("[<0>] ok+0x1/0x2\n[<0>] bad+frame\n[<0>] after+0x1/0x2\n");
    expect(frames.map((f) => f.symbol)).toEqual(["ok", "after"]);
    expect(problemsOf(frames).map((p) => p.line)).toEqual([2]);
  });
});

describe("parsePidSyscall()", () => {
  // Captured: `sleep 100` in clock_nanosleep, and a task on a CPU.
  const SLEEPING = "230 0x0 0x0 0x7ffe79656790 0x7ffe796567d0 0x0 0x0 0x7ffe79656788 0x7f3c5e7d7a13\n";

  it("reads number, six arguments, SP and PC", () => {
    const call = parsePidSyscall(SLEEPING);
    expect(call.kind).toBe("syscall");
    if (call.kind !== "syscall") return;
    expect(call.number).toBe(230);
    expect(call.args).toEqual([0n, 0n, 0x7ffe79656790n, 0x7ffe796567d0n, 0n, 0n]);
    expect(call.stackPointer).toBe(0x7ffe79656788n);
    expect(call.programCounter).toBe(0x7f3c5e7d7a13n);
  });

  it('reads "running" and "-1 SP PC" (blocked outside a system call)', () => {
    expect(parsePidSyscall("running\n")).toEqual({ kind: "running" });
    expect(parsePidSyscall("-1 0x7ffd1000 0x401000\n")).toEqual({ kind: "none", stackPointer: 0x7ffd1000n, programCounter: 0x401000n });
  });

  it("rejects truncated and garbled lines", () => {
    expect(() => parsePidSyscall("230 0x0 0x0\n")).toThrow(ParseError);
    expect(() => parsePidSyscall("230 0x0 0x0 zz 0x0 0x0 0x0 0x0 0x0\n")).toThrow(/argument 3/);
    expect(() => parsePidSyscall("sleeping\n")).toThrow(ParseError);
    expect(() => parsePidSyscall("-1 0x1\n")).toThrow(ParseError);
  });

  it("decodes the number by name and formats the call with hex arguments", () => {
    const call = decodeSyscall(parsePidSyscall(SLEEPING), "x86_64");
    expect(call.name).toBe("clock_nanosleep");
    expect(formatSyscall(call, true)).toBe("clock_nanosleep(0x0, 0x0, 0x7ffe79656790, 0x7ffe796567d0, 0x0, 0x0)");
    expect(formatSyscall(decodeSyscall(parsePidSyscall("running\n")))).toBe("running");
    expect(decodeSyscall(parsePidSyscall("115 0x0 0x0 0x1 0x2 0x0 0x0 0x0 0x0\n"), "aarch64").name).toBe("clock_nanosleep");
  });
});

describe("syscallName()", () => {
  it("agrees with every call of the installed <asm/unistd_64.h>", () => {
    const header = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";
    if (!fs.existsSync(header)) throw new Error(`${header} is missing: apt-get install linux-libc-dev`);
    const defines = [...fs.readFileSync(header, "utf8").matchAll(/^#define __NR_(\w+)\s+(\d+)$/gm)];
    expect(defines.length).toBeGreaterThan(300);
    for (const [, name, nr] of defines) expect(syscallName(Number(nr), "x86_64")).toBe(name);
  });

  it("knows aarch64's generic numbering, where it differs from x86_64", () => {
    expect(syscallName(63, "aarch64")).toBe("read");
    expect(syscallName(101, "aarch64")).toBe("nanosleep");
    expect(syscallName(79, "aarch64")).toBe("newfstatat");
    expect(syscallName(435, "aarch64")).toBe("clone3");
    // The 64-bit names of the __NR3264_* calls, and the calls arm64 opts into.
    const arm64: [number, string][] = [
      [25, "fcntl"],
      [62, "lseek"],
      [71, "sendfile"],
      [80, "fstat"],
      [98, "futex"],
      [115, "clock_nanosleep"],
      [163, "getrlimit"],
      [222, "mmap"],
      [223, "fadvise64"],
      [38, "renameat"],
      [447, "memfd_secret"],
      [449, "futex_waitv"],
    ];
    for (const [nr, name] of arm64) expect(syscallName(nr, "aarch64")).toBe(name);
    expect(syscallName(0, "x86_64")).toBe("read");
  });

  it("returns null for numbers past the table and for unknown architectures", () => {
    expect(syscallName(SYSCALLS_X86_64.length + SYSCALLS_UNIFIED.length + 5, "x86_64")).toBeNull();
    // From 424 up the architectures share one table (Linux 5.1's unified numbering).
    expect(syscallName(424, "x86_64")).toBe("pidfd_send_signal");
    expect(syscallName(424, "aarch64")).toBe("pidfd_send_signal");
    expect(syscallName(435, "aarch64")).toBe("clone3");
    expect(syscallName(423, "x86_64")).toBeNull();
    expect(syscallName(1, null)).toBeNull();
    expect(syscallArchOf("x64")).toBe("x86_64");
    expect(syscallArchOf("arm64")).toBe("aarch64");
    expect(syscallArchOf("riscv64")).toBeNull();
  });
});

describe("parsePidSched()", () => {
  // Captured: the head of /proc/self/sched on this VM (schedstats off).
  const SCHED = `head (8329, #threads: 1)
-------------------------------------------------------------------
se.exec_start                                :        649645.041117
se.vruntime                                  :           219.167290
nr_switches                                  :                    1
policy                                       :                    0
current_node=0, numa_group_id=0
numa_faults node=0 task_private=0 task_shared=0 group_private=0 group_shared=0
`;
  it("reads the header and the numeric values by key", () => {
    const sched = parsePidSched(SCHED);
    expect(sched).toMatchObject({ comm: "head", pid: 8329, threads: 1, execStartMs: 649645.041117 });
    expect(sched.values.nr_switches).toBe(1);
  });

  it("rejects a file without its header", () => {
    expect(() => parsePidSched("se.exec_start : 1\n")).toThrow(ParseError);
  });
});
