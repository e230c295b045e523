import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { InvalidArgument, NotFound } from "../../src/errors.js";
import { listSysctl, sameSysctlValue, sysctlPath, writeSysctl } from "../../src/kernel/sysctl.js";
import { runCli } from "../helpers/cli.js";
import { REPO_ROOT, repoPath } from "../helpers/repo.js";
import { guardSysctl } from "../helpers/sysctl.js";
import { runAsNobody } from "../helpers/unprivileged.js";

const isRoot = process.geteuid?.() === 0;
const SWAPPINESS = "/proc/sys/vm/swappiness";
const procFs = openProcFs();

describe("sysctlPath()", () => {
  it("maps dotted names to paths, and / in a name to . in the path", () => {
    expect(sysctlPath("vm.swappiness")).toBe("sys/vm/swappiness");
    expect(sysctlPath("net.ipv4.conf.eth0/100.forwarding")).toBe("sys/net/ipv4/conf/eth0.100/forwarding");
  });

  it("rejects names that would leave /proc/sys", () => {
    for (const bad of ["", "vm..swappiness", ".vm", "net.ipv4.conf.//.x", "net.ipv4.conf./.x"])
      expect(() => sysctlPath(bad)).toThrow(InvalidArgument);
  });
});

describe("sameSysctlValue()", () => {
  it("compares fields, numbers by value", () => {
    expect(sameSysctlValue("4\t4\t1\t7", "4 4 1 7")).toBe(true);
    expect(sameSysctlValue("10", "010")).toBe(true);
    expect(sameSysctlValue("10", "11")).toBe(false);
    expect(sameSysctlValue("a b", "a")).toBe(false);
  });
});

describe("listSysctl() against sysctl(8)", () => {
  it("reads the same values as sysctl -n for a key, and the same keys for a group", () => {
    const [one] = listSysctl(procFs, { pattern: "vm.swappiness" });
    expect(one).toEqual({
      name: "vm.swappiness",
      value: execFileSync("sysctl", ["-n", "vm.swappiness"], { encoding: "utf8" }).trim(),
      writable: true,
      errors: {},
    });
    const ours = listSysctl(procFs, { pattern: "vm" });
    const theirs = execFileSync("sysctl", ["vm"], { encoding: "utf8" })
      .trim()
      .split("\n")
      .map((l) => l.split(" = ")[0]);
    expect(ours.map((e) => e.name)).toEqual([...theirs].sort());
    // Stable keys agree on their values.
    const stable = ["vm.overcommit_memory", "vm.max_map_count", "vm.dirty_ratio"];
    for (const name of stable) {
      expect(ours.find((e) => e.name === name)?.value).toBe(execFileSync("sysctl", ["-n", name], { encoding: "utf8" }).trim());
    }
  });

  it("matches globs and substrings, and lists kernel.* keys with tabs kept", async () => {
    const glob = listSysctl(procFs, { pattern: "kernel.printk*" });
    expect(glob.map((e) => e.name)).toContain("kernel.printk");
    expect(glob.every((e) => e.name.startsWith("kernel.printk"))).toBe(true);
    expect(glob.find((e) => e.name === "kernel.printk")?.value).toMatch(/^\d+\t\d+\t\d+\t\d+$/);
    const sub = listSysctl(procFs, { pattern: "swappin" });
    expect(sub.map((e) => e.name)).toEqual(["vm.swappiness"]);
    const cli = await runCli(["sysctl", "kernel.printk"]);
    expect(cli.stdout).toBe(`kernel.printk = ${fs.readFileSync("/proc/sys/kernel/printk", "utf8").trimEnd()}\n`);
  });

  it("sysctl with a pattern that matches nothing exits 1", async () => {
    const cli = await runCli(["sysctl", "no.such.key.procscope"]);
    expect(cli).toEqual({ code: 1, stdout: "", stderr: 'procscope: no sysctl key matches "no.such.key.procscope"\n' });
  });
});

describe.runIf(isRoot)("writeSysctl() on vm.swappiness", () => {
  // Put back after each test, the file, and on exit, whether the test passed or not.
  const { original } = guardSysctl(SWAPPINESS);
  const other = original === "17" ? "23" : "17";

  it("previews without writing", async () => {
    const cli = await runCli(["sysctl", "vm.swappiness", other]);
    expect(cli).toEqual({ code: 0, stdout: `vm.swappiness: ${original} -> ${other} (preview; add --yes to write)\n`, stderr: "" });
    expect(fs.readFileSync(SWAPPINESS, "utf8").trim()).toBe(original);
  });

  it("writes with --yes, reads back, prints old and new; restores", async () => {
    const cli = await runCli(["sysctl", "vm.swappiness", other, "--yes"]);
    expect(cli).toEqual({ code: 0, stdout: `vm.swappiness: ${original} -> ${other}\n`, stderr: "" });
    expect(fs.readFileSync(SWAPPINESS, "utf8").trim()).toBe(other);
    const back = writeSysctl(procFs, "vm.swappiness", original, { apply: true });
    expect(back).toEqual({ name: "vm.swappiness", old: other, requested: original, new: original, written: true, verified: true });
  });

  it("a value the kernel rejects (EINVAL) is one line, exit 2, and no change", async () => {
    for (const bad of ["abc", "100000"]) {
      const cli = await runCli(["sysctl", "vm.swappiness", bad, "--yes"]);
      expect(cli.code).toBe(2);
      expect(cli.stderr).toBe(`procscope: the kernel rejected "${bad}" for "vm.swappiness" (EINVAL); it still reads "${original}"\n`);
      expect(fs.readFileSync(SWAPPINESS, "utf8").trim()).toBe(original);
    }
  });

  it("an unknown key exits 1, a read-only key exits 2, a group is refused; nothing is written", async () => {
    const unknown = await runCli(["sysctl", "vm.no_such_knob", "1", "--yes"]);
    expect(unknown).toEqual({ code: 1, stdout: "", stderr: 'procscope: unknown sysctl key "vm.no_such_knob"\n' });
    const osrelease = fs.readFileSync("/proc/sys/kernel/osrelease", "utf8");
    const readOnly = await runCli(["sysctl", "kernel.osrelease", "1.0", "--yes"]);
    expect(readOnly).toEqual({ code: 2, stdout: "", stderr: 'procscope: sysctl key "kernel.osrelease" is read-only\n' });
    expect(fs.readFileSync("/proc/sys/kernel/osrelease", "utf8")).toBe(osrelease);
    expect(() => writeSysctl(procFs, "vm", "1", { apply: true })).toThrow(/is a group of keys/);
    expect(() => writeSysctl(procFs, "vm.nope", "1")).toThrow(NotFound);
    expect((await runCli(["sysctl", "vm.swappiness", "--yes"])).code).toBe(2);
  });

  it("without root, writing exits 4 and changes nothing", async () => {
    const result = await runAsNobody(["sysctl", "vm.swappiness", other, "--yes"]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^procscope: .*permission denied.*\n$/);
    expect(fs.readFileSync(SWAPPINESS, "utf8").trim()).toBe(original);
  });
});

describe.runIf(isRoot)("guardSysctl() in a test process that fails mid-way", () => {
  const { original } = guardSysctl(SWAPPINESS);

  it.each(["throw", "exit"])("puts vm.swappiness back when the test fails by %s after writing it", (how) => {
    const value = original === "31" ? "32" : "31";
    const run = spawnSync(
      process.execPath,
      [repoPath("node_modules/vitest/vitest.mjs"), "run", "--config", repoPath("test/kernel/sysctl-leak/vitest.config.ts")],
      {
        cwd: REPO_ROOT,
        encoding: "utf8",
        timeout: 120_000,
        env: { ...process.env, PROCSCOPE_LEAK_VALUE: value, PROCSCOPE_LEAK_HOW: how, NO_COLOR: "1", CI: "1" },
      },
    );
    const output = `${run.stdout}${run.stderr}`;
    // The sub-process really changed the value, and really failed...
    expect(output).toContain(`changed-to ${value}`);
    expect(run.status, output).not.toBe(0);
    if (how === "throw") expect(output).toMatch(/1 failed/);
    // ...and the host is as it was.
    expect(fs.readFileSync(SWAPPINESS, "utf8").trim()).toBe(original);
  });
});

describe("sysctl --root on a captured tree", () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "procscope-sysctl-"));
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));
  const root = path.join(base, "proc");
  fs.mkdirSync(path.join(root, "sys", "net", "ipv4", "conf", "eth0.100"), { recursive: true });
  fs.mkdirSync(path.join(root, "sys", "vm"), { recursive: true });
  fs.writeFileSync(path.join(root, "sys", "net", "ipv4", "conf", "eth0.100", "forwarding"), "1\n");
  fs.writeFileSync(path.join(root, "sys", "vm", "swappiness"), "60\n");
  fs.writeFileSync(path.join(root, "sys", "vm", "drop_caches"), "");
  fs.chmodSync(path.join(root, "sys", "vm", "drop_caches"), 0o200);

  it("shows a dotted interface name with / and leaves write-only keys out", async () => {
    const cli = await runCli(["sysctl", "--root", root, "--json"]);
    expect(JSON.parse(cli.stdout)).toEqual([
      { name: "net.ipv4.conf.eth0/100.forwarding", value: "1", writable: true, errors: {} },
      { name: "vm.swappiness", value: "60", writable: true, errors: {} },
    ]);
    const one = await runCli(["sysctl", "net.ipv4.conf.eth0/100.forwarding", "--root", root]);
    expect(one.stdout).toBe("net.ipv4.conf.eth0/100.forwarding = 1\n");
  });
});
