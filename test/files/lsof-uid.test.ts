/**
 * lsof and ps agree on uid: the effective uid. The native fd reader takes it from the owner of
 * /proc/PID, which the kernel keeps as the euid even for a non-dumpable process (only the files
 * inside go to root: task_dump_owner() skips directories); the TypeScript path reads status.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { startProcess } from "../helpers/live.js";
import { compileC } from "../helpers/native.js";

const NON_DUMPABLE = `#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(void) { prctl(PR_SET_DUMPABLE, 0); puts("ready"); fflush(stdout); pause(); return 0; }
`;

describe("lsof and ps agree on uid", () => {
  it("for a non-dumpable process of uid 65534, whose /proc files root owns", async () => {
    const binary = compileC("non-dumpable", NON_DUMPABLE);
    fs.chmodSync(binary, 0o755);
    const child = await startProcess("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", binary], { ready: "ready" });
    try {
      const pid = child.pid;
      expect(fs.statSync(`/proc/${pid}/environ`).uid).toBe(0);
      expect(fs.statSync(`/proc/${pid}`).uid).toBe(65534);
      const ps = JSON.parse((await runCli(["ps", "--json", "--pid", String(pid)])).stdout);
      const lsof = JSON.parse((await runCli(["lsof", "--json", "--pid", String(pid)])).stdout);
      expect(ps[0].uid).toBe(65534);
      expect(lsof[0].uid).toBe(65534);
      expect(lsof[0].user).toBe(ps[0].user);
    } finally {
      await child.kill();
    }
  });
});
