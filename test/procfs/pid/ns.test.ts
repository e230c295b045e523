import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { NAMESPACE_LINKS, parseNsLink } from "../../../src/procfs/pid/ns.js";

// Captured from this machine: readlink /proc/self/ns/* (kernel 6.18).
const SELF: Record<string, string> = {
  cgroup: "cgroup:[4026531835]",
  ipc: "ipc:[4026531839]",
  mnt: "mnt:[4026531832]",
  net: "net:[4026531833]",
  pid: "pid:[4026531836]",
  pid_for_children: "pid:[4026531836]",
  time: "time:[4026531834]",
  time_for_children: "time:[4026531834]",
  user: "user:[4026531837]",
  uts: "uts:[4026531838]",
};

describe("parseNsLink()", () => {
  it("reads type and inode", () => {
    expect(parseNsLink("net:[4026531840]")).toEqual({ type: "net", inode: 4026531840 });
  });

  it("reads every link of a real process, *_for_children as their base type", () => {
    for (const [name, text] of Object.entries(SELF)) {
      expect(parseNsLink(text).type).toBe(name.replace("_for_children", ""));
    }
    expect(parseNsLink(SELF.pid_for_children as string)).toEqual(parseNsLink(SELF.pid as string));
  });

  it("rejects text that is not a namespace link", () => {
    expect(() => parseNsLink("net:[]")).toThrow(ParseError);
    expect(() => parseNsLink("net:[4026531840")).toThrow(ParseError);
    expect(() => parseNsLink("/proc/1/ns/net")).toThrow(/type:\[inode\]/);
    expect(() => parseNsLink("")).toThrow(ParseError);
  });
});

describe("NAMESPACE_LINKS", () => {
  it("lists the entries of a real /proc/PID/ns directory", () => {
    expect([...NAMESPACE_LINKS].sort()).toEqual(Object.keys(SELF).sort());
  });
});
