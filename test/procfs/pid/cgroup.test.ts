import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { parsePidCgroup } from "../../../src/procfs/pid/cgroup.js";
import { skippedAsError } from "../_helpers.js";

// Captured from this machine (kernel 6.18, cgroup v1 hierarchies plus the v2 line).
const INIT = "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n4:memory:/\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n";
const SELF = INIT.replace("4:memory:/\n", "4:memory:/process_api/6356e1e2098ec8ea9ff0ed0758288d58\n");

describe("parsePidCgroup()", () => {
  it("reads v1 and v2 lines of a real file", () => {
    const cgroups = parsePidCgroup(INIT);
    expect(cgroups).toHaveLength(10);
    expect(cgroups[0]).toEqual({ hierarchyId: 9, version: 1, controllers: ["name=systemd"], path: "/", deleted: false });
    expect(cgroups[9]).toEqual({ hierarchyId: 0, version: 2, controllers: [], path: "/", deleted: false });
    expect(parsePidCgroup(SELF)[5]?.path).toBe("/process_api/6356e1e2098ec8ea9ff0ed0758288d58");
  });

  it("splits a v1 controller list", () => {
    expect(parsePidCgroup("4:cpu,cpuacct:/user.slice\n")[0]?.controllers).toEqual(["cpu", "cpuacct"]);
  });

  it("keeps colons inside the path", () => {
    const path = "/system.slice/containerd.service/kubepods-burstable-pod1a2b3c4d_0000_4000_8000_00000000abcd.slice:cri-containerd:abc";
    expect(parsePidCgroup(`0::${path}\n`)[0]?.path).toBe(path);
  });

  it('strips the v2 " (deleted)" suffix and says so', () => {
    expect(parsePidCgroup("0::/system.slice/gone.service (deleted)\n")[0]).toMatchObject({
      path: "/system.slice/gone.service",
      deleted: true,
    });
    expect(parsePidCgroup("0:: (deleted)\n")[0]).toMatchObject({ path: "", deleted: true });
  });

  it('keeps " (deleted)" in a v1 path, where the kernel never appends it', () => {
    expect(parsePidCgroup("3:cpuset:/a (deleted)\n")[0]).toMatchObject({ path: "/a (deleted)", deleted: false });
  });

  it("rejects truncated and malformed input", () => {
    expect(skippedAsError(() => parsePidCgroup(INIT.slice(0, -1)))).toThrow(expect.objectContaining({ line: 10 }));
    expect(skippedAsError(() => parsePidCgroup("9:name=systemd\n"))).toThrow(ParseError);
    expect(skippedAsError(() => parsePidCgroup("x:cpu:/\n"))).toThrow(/hierarchy ID/);
    expect(skippedAsError(() => parsePidCgroup("1:cpu,:/\n"))).toThrow(/controller list/);
    expect(skippedAsError(() => parsePidCgroup("1:cpu:relative\n"))).toThrow(/start with/);
    expect(() => parsePidCgroup("")).toThrow(ParseError);
  });
});
