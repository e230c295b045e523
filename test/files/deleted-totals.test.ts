/**
 * lsof --deleted totals by (device, inode): a deleted file held by two processes is 1 MiB of disk,
 * not 2 (it used to sum the per-process totals).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { startProcess } from "../helpers/live.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "psc-deleted-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("lsof --deleted", () => {
  it("counts a deleted file held by two processes once in the total", async () => {
    const file = path.join(dir, "held-twice");
    fs.writeFileSync(file, Buffer.alloc(1024 * 1024, 1));
    const hold = `exec 3<'${file}'; echo ready; exec sleep 1000`;
    const a = await startProcess("sh", ["-c", hold], { ready: "ready" });
    const b = await startProcess("sh", ["-c", hold], { ready: "ready" });
    fs.unlinkSync(file);
    const result = await runCli(["lsof", "--deleted", "--pid", `${a.pid},${b.pid}`, "--json"]);
    expect(result.code).toBe(0);
    // JSON is the same array of processes and their (deleted) fds as without --deleted; the total is the table's.
    const json = JSON.parse(result.stdout) as { pid: number; fds: { deleted: boolean; sizeBytes: number | null }[] }[];
    expect(json.map((p) => p.pid).sort((x, y) => x - y)).toEqual([a.pid, b.pid].sort((x, y) => x - y));
    for (const p of json) expect(p.fds.filter((f) => f.deleted).map((f) => f.sizeBytes)).toEqual([1024 * 1024]);
    const table = await runCli(["lsof", "--deleted", "--pid", `${a.pid},${b.pid}`]);
    expect(table.stdout).toMatch(/total: 1(\.0)? ?Mi?B? \(1048576 bytes\) held by deleted files in 2 processes/);
  });
});
