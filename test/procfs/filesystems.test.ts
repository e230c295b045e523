import { describe, expect, it } from "vitest";
import { parseFilesystems } from "../../src/procfs/filesystems.js";
import { captured, skippedOf } from "./_helpers.js";

describe("parseFilesystems()", () => {
  it("reads a real file and its nodev flags", () => {
    const filesystems = parseFilesystems(captured("filesystems"));
    expect(filesystems).toHaveLength(31);
    expect(filesystems.filter((fs) => fs.nodev)).toHaveLength(23);
    expect(filesystems.find((fs) => fs.name === "ext4")).toEqual({ name: "ext4", nodev: false });
    expect(filesystems.find((fs) => fs.name === "cgroup2")).toEqual({ name: "cgroup2", nodev: true });
    expect(filesystems.at(-1)).toEqual({ name: "pstore", nodev: true });
  });

  it("reads names with dots and digits", () => {
    expect(parseFilesystems("nodev\tfuse.sshfs\n\tiso9660\n")).toEqual([
      { name: "fuse.sshfs", nodev: true },
      { name: "iso9660", nodev: false },
    ]);
  });

  it("rejects lines without the tab, and truncated input", () => {
    expect(skippedOf(() => parseFilesystems("nodev\tproc\next4\n")).line).toBe(2);
    expect(skippedOf(() => parseFilesystems("nodev proc\n")).line).toBe(1);
    expect(skippedOf(() => parseFilesystems("nodev\tproc\nnodev\t")).line).toBe(2);
  });
});
