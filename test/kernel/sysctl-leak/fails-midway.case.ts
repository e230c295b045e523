/**
 * Run only by test/kernel/sysctl.test.ts, in its own vitest process: changes vm.swappiness under
 * guardSysctl() and then fails, or exits, mid-way. The parent checks the host is back as it was.
 * PROCSCOPE_LEAK_VALUE is the value to write; PROCSCOPE_LEAK_HOW is "throw" or "exit".
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { openProcFs } from "../../../src/access/proc-fs.js";
import { writeSysctl } from "../../../src/kernel/sysctl.js";
import { guardSysctl } from "../../helpers/sysctl.js";

const SWAPPINESS = "/proc/sys/vm/swappiness";

describe("a test that changes vm.swappiness and fails", () => {
  guardSysctl(SWAPPINESS);

  it("fails after the write", () => {
    const value = process.env.PROCSCOPE_LEAK_VALUE as string;
    writeSysctl(openProcFs(), "vm.swappiness", value, { apply: true });
    // Says the write took effect, so the parent knows a restore was needed.
    console.log(`changed-to ${fs.readFileSync(SWAPPINESS, "utf8").trim()}`);
    if (process.env.PROCSCOPE_LEAK_HOW === "exit") process.exit(7);
    expect("the value after the write").toBe("anything else: this test fails on purpose");
  });
});
