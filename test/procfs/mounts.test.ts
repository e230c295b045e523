import { describe, expect, it } from "vitest";
import { parseMounts } from "../../src/procfs/mounts.js";
import { captured, skippedOf } from "./_helpers.js";

describe("parseMounts()", () => {
  it("reads a real file, duplicates included", () => {
    const mounts = parseMounts(captured("mounts"));
    expect(mounts).toHaveLength(19);
    expect(mounts[0]).toEqual({
      source: "proc",
      mountPoint: "/proc",
      fsType: "proc",
      options: ["rw", "relatime"],
      dump: 0,
      pass: 0,
      other: [],
    });
    expect(mounts.find((mount) => mount.mountPoint === "/")).toMatchObject({
      source: "/dev/vda",
      fsType: "ext4",
      options: ["rw", "relatime", "discard", "resv_strict", "resuid=65534", "resgid=65534"],
    });
    expect(mounts.filter((mount) => mount.mountPoint === "/dev/pts")).toHaveLength(2);
    expect(mounts.at(-1)).toMatchObject({ source: "cgroup2", mountPoint: "/sys/fs/cgroup/unified", fsType: "cgroup2" });
  });

  it("decodes the octal escapes \\040 \\011 \\012 \\134 in paths", () => {
    const [mount] = parseMounts("/dev/sdb1 /media/my\\040disk\\011tab\\012nl\\134back vfat rw,uid=1000 0 0\n");
    expect(mount?.mountPoint).toBe("/media/my disk\ttab\nnl\\back");
    const [source] = parseMounts("//server/share\\040name /mnt/share cifs rw 0 0\n");
    expect(source?.source).toBe("//server/share name");
  });

  it("splits options before decoding, so an escaped comma stays inside its option", () => {
    const [mount] = parseMounts("overlay /merged overlay rw,lowerdir=/a\\054b:/c,upperdir=/u 0 0\n");
    expect(mount?.options).toEqual(["rw", "lowerdir=/a,b:/c", "upperdir=/u"]);
  });

  it("leaves a backslash that starts no escape as it is", () => {
    expect(parseMounts("a\\b /x tmpfs rw 0 0\n")[0]?.source).toBe("a\\b");
  });

  it("rejects short lines, bad numbers and truncated input", () => {
    expect(skippedOf(() => parseMounts("proc /proc proc rw,relatime 0 0\nsysfs /sys sysfs rw 0\n")).line).toBe(2);
    expect(skippedOf(() => parseMounts("proc /proc proc rw 0 x\n")).line).toBe(1);
    expect(skippedOf(() => parseMounts("proc /proc  proc rw 0 0\n")).line).toBe(1);
    expect(skippedOf(() => parseMounts("proc /proc proc rw,relatime 0 0\nsysfs /sys sysfs rw,rel")).line).toBe(2);
    expect(parseMounts("")).toEqual([]);
  });
});
