/**
 * Bad input and races through the real binary: exited and unknown PIDs, words for PIDs, no
 * permission. Each must be one line on stderr and the contract's exit code.
 */
import { describe, expect, it } from "vitest";
import { runBin, runCli } from "../helpers/cli.js";
import { startProcess, unusedPid } from "../helpers/live.js";
import { runAsNobody } from "../helpers/unprivileged.js";

describe("a PID that exited or never existed", () => {
  it("show exits 3 naming the process", async () => {
    const child = await startProcess("sleep", ["30"]);
    const pid = child.pid;
    await child.kill();
    const result = await runBin(["show", String(pid)]);
    expect(result.code).toBe(3);
    // Gone before it was asked about: there is no such process now.
    expect(result.stderr).toBe(`procscope: no such process ${pid}\n`);
    expect(result.stdout).toBe("");
  });

  it("a PID that was never used exits 3 too, for show and tree", async () => {
    const pid = unusedPid();
    for (const command of ["show", "tree"]) {
      const result = await runCli([command, String(pid)]);
      expect(result.code, command).toBe(3);
      expect(result.stderr, command).toBe(`procscope: no such process ${pid}\n`);
    }
  });

  it("ps --pid with a missing PID says so and exits 3, as lsof --pid does", async () => {
    const pid = unusedPid();
    const result = await runCli(["ps", "--json", "--pid", String(pid)]);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(`procscope: no such process ${pid}\n`);
    expect(JSON.parse(result.stdout)).toEqual([]);
  });
});

describe("usage errors", () => {
  it("a word for a PID exits 2 with the usage line", async () => {
    const result = await runBin(["show", "notapid"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^procscope: PID must be a positive number, got "notapid"\nUsage: procscope show \[options\] <pid>/);
  });

  it("negative, zero and huge PIDs are usage errors", async () => {
    for (const pid of ["-5", "0", "99999999999"]) {
      const result = await runCli(["show", pid]);
      expect(result.code, pid).toBe(2);
      expect(result.stderr, pid).toMatch(/^procscope: /);
    }
  });

  it("an unknown command or option exits 2 with one line", async () => {
    const unknown = await runBin(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split("\n")[0]).toMatch(/^procscope: unknown command 'frobnicate'/);
    const option = await runBin(["ps", "--bogus"]);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^procscope: unknown option '--bogus'/);
  });

  it("a --root that does not exist is an error, not a crash", async () => {
    const result = await runBin(["ps", "--root", "/nonexistent/proc"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^procscope: .*\/nonexistent\/proc.*\n$/);
  });

  it("--help and --version exit 0", async () => {
    expect((await runBin(["--version"])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await runBin(["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["ps", "tree", "show", "sys"]) expect(help.stdout).toContain(command);
  });
});

describe("without permission (uid 65534, no groups)", () => {
  it("ps still lists every process, with null fields and a reason for what it cannot read", async () => {
    const root = await startProcess("sleep", ["30"]);
    const result = await runAsNobody(["ps", "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as {
      pid: number;
      user: string;
      exe: string | null;
      cmdline: string[] | null;
      errors: Record<string, string>;
    }[];
    const row = rows.find((r) => r.pid === root.pid);
    expect(row).toBeDefined();
    expect(row?.user).toBe("root");
    expect(row?.cmdline).toEqual(["sleep", "30"]);
    expect(row?.exe).toBeNull();
    expect(row?.errors.exe).toBe("permission denied: another user's process (uid 0); not root");
    await root.kill();
  });

  it("show --field environ of a root process exits 4 naming the file and the reason", async () => {
    const root = await startProcess("sleep", ["30"]);
    const message = `procscope: cannot read "/proc/${root.pid}/environ": permission denied (another user's process (uid 0); not root)\n`;
    const result = await runAsNobody(["show", String(root.pid), "--field", "environ"]);
    expect(result.code).toBe(4);
    expect(result.stderr).toBe(message);
    // With --json the same: no partial document, the same one line.
    expect(await runAsNobody(["show", String(root.pid), "--field", "environ", "--json"])).toMatchObject({
      code: 4,
      stdout: "",
      stderr: message,
    });
    // A field it can read is enough: the whole object, the unreadable environ null with its reason.
    const readable = await runAsNobody(["show", String(root.pid), "--field", "limits", "--json"]);
    expect(readable.code).toBe(0);
    expect(JSON.parse(readable.stdout)).toMatchObject({
      environ: null,
      errors: { environ: expect.stringMatching(/another user's process/) },
    });
    await root.kill();
  });

  it("show without --field still prints what it can, with reasons for the rest", async () => {
    const root = await startProcess("sleep", ["30"]);
    const result = await runAsNobody(["show", String(root.pid), "--json"]);
    expect(result.code).toBe(0);
    const d = JSON.parse(result.stdout);
    expect(d.comm).toBe("sleep");
    expect(d.environ).toBeNull();
    expect(d.errors.environ).toMatch(/another user's process/);
    expect(d.limits).not.toBeNull();
    await root.kill();
  });
});
