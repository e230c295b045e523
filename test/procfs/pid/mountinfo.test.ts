import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { parsePidMountinfo, unescapeMountField } from "../../../src/procfs/pid/mountinfo.js";
import { skippedAsError } from "../_helpers.js";

// Captured from this machine's /proc/self/mountinfo (kernel 6.18).
const SELF = `22 27 0:21 / /proc rw,relatime - proc proc rw
23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334460k,nr_inodes=3083615,mode=755
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684084k
26 24 0:24 / /dev/pts rw,relatime - devpts devpts rw,mode=600,ptmxmode=000
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
28 27 0:25 / /mnt/sandboxing/model_tools_env/v1/python ro,nosuid,nodev,relatime - tmpfs model_tools_unavailable ro,size=4k,mode=755
29 26 0:26 / /dev/pts rw,relatime - devpts devpts rw,mode=600,ptmxmode=000
30 25 0:27 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684084k
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

// Captured on this machine after mounting tmpfs at "/tmp/pscope mnt/with space" (source "my src"),
// at a path with a tab, with an empty source, and a bind mount of a directory with a space.
const AWKWARD = `42 27 0:39 / /tmp/pscope\\040mnt/with\\040space rw,relatime - tmpfs my\\040src rw
43 27 0:40 / /tmp/pscope\\040mnt/tab\\011here rw,relatime - tmpfs tmpfs rw,size=1024k,mode=700
44 27 0:41 / /tmp/pscope-empty rw,relatime - tmpfs  rw
45 44 254:0 /tmp/pscope\\040mnt /tmp/pscope-empty rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
`;

// Typical systemd host: shared propagation, plus a slave mount inside a container.
const PROPAGATION = `29 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw,errors=remount-ro
612 29 0:55 /var/lib/docker/volumes/x/_data /data rw,relatime master:1 propagate_from:3 - ext4 /dev/sda2 rw
613 29 0:56 / /private rw,relatime unbindable - tmpfs tmpfs rw,context="system_u:object_r:container_file_t:s0:c1,c2",size=64k
`;

describe("parsePidMountinfo()", () => {
  it("reads every field of a real file", () => {
    const mounts = parsePidMountinfo(SELF);
    expect(mounts).toHaveLength(20);
    expect(mounts[5]).toEqual({
      mountId: 27,
      parentId: 1,
      major: 254,
      minor: 0,
      root: "/",
      mountPoint: "/",
      mountOptions: ["rw", "relatime"],
      optionalFields: [],
      shared: null,
      master: null,
      propagateFrom: null,
      unbindable: false,
      fsType: "ext4",
      source: "/dev/vda",
      superOptions: ["rw", "discard", "resv_strict", "resuid=65534", "resgid=65534"],
    });
    expect(mounts[18]?.superOptions).toEqual(["rw", "name=systemd"]);
    expect(mounts[19]?.fsType).toBe("cgroup2");
  });

  it("decodes octal escapes: a mount path with spaces, a tab, and a bind mount root", () => {
    const mounts = parsePidMountinfo(AWKWARD);
    expect(mounts[0]?.mountPoint).toBe("/tmp/pscope mnt/with space");
    expect(mounts[0]?.source).toBe("my src");
    expect(mounts[1]?.mountPoint).toBe("/tmp/pscope mnt/tab\there");
    expect(mounts[3]?.root).toBe("/tmp/pscope mnt");
  });

  it("reads an empty source as null, keeping the super options in place", () => {
    const empty = parsePidMountinfo(AWKWARD)[2];
    expect(empty?.source).toBeNull();
    expect(empty?.fsType).toBe("tmpfs");
    expect(empty?.superOptions).toEqual(["rw"]);
  });

  it("reads the optional propagation fields", () => {
    const mounts = parsePidMountinfo(PROPAGATION);
    expect(mounts[0]).toMatchObject({ shared: 1, master: null, optionalFields: [{ tag: "shared", value: "1" }] });
    expect(mounts[1]).toMatchObject({ shared: null, master: 1, propagateFrom: 3, root: "/var/lib/docker/volumes/x/_data" });
    expect(mounts[2]).toMatchObject({ unbindable: true, optionalFields: [{ tag: "unbindable", value: null }] });
  });

  it("keeps a quoted option with commas whole", () => {
    expect(parsePidMountinfo(PROPAGATION)[2]?.superOptions).toEqual([
      "rw",
      'context="system_u:object_r:container_file_t:s0:c1,c2"',
      "size=64k",
    ]);
  });

  it("rejects truncated input", () => {
    const cut = SELF.slice(0, SELF.indexOf("resuid=65534") + 6);
    expect(skippedAsError(() => parsePidMountinfo(cut))).toThrow(expect.objectContaining({ line: 6 }));
    expect(skippedAsError(() => parsePidMountinfo("22 27 0:21 / /proc rw,relatime - proc\n"))).toThrow(/fstype source options/);
    expect(skippedAsError(() => parsePidMountinfo("22 27 0:21 / /proc rw,relatime\n"))).toThrow(/" - "/);
    expect(() => parsePidMountinfo("")).toThrow(ParseError);
  });

  it("rejects malformed numbers", () => {
    expect(skippedAsError(() => parsePidMountinfo("22 x 0:21 / /proc rw - proc proc rw\n"))).toThrow(/mount IDs/);
    expect(skippedAsError(() => parsePidMountinfo("22 27 021 / /proc rw - proc proc rw\n"))).toThrow(/major:minor/);
    expect(skippedAsError(() => parsePidMountinfo("22 27 0:21 / /proc rw shared:x - proc proc rw\n"))).toThrow(/"shared" needs a number/);
  });
});

describe("unescapeMountField()", () => {
  it("decodes space, tab, newline and backslash", () => {
    expect(unescapeMountField("a\\040b\\011c\\012d\\134e")).toBe("a b\tc\nd\\e");
  });

  it("rebuilds UTF-8 from escaped bytes", () => {
    expect(unescapeMountField("/mnt/caf\\303\\251")).toBe("/mnt/café");
  });

  it("leaves a backslash that starts no escape alone", () => {
    expect(unescapeMountField("a\\b\\09")).toBe("a\\b\\09");
  });
});
