/**
 * parseCmdline() and parseEnviron() on /proc/PID/cmdline bytes captured on this project's VM
 * (Linux 6.18): ordinary arguments, an empty argument, invalid UTF-8, kernel threads and zombies
 * (empty file), and processes that rewrote their argument area (setproctitle).
 */
import { describe, expect, it } from "vitest";
import { parseCmdline, parseEnviron } from "../../../src/procfs/pid/cmdline.js";

const bytes = (text: string): Buffer => Buffer.from(text, "latin1");

describe("parseCmdline()", () => {
  it("splits a real command line at NULs, the trailing NUL ending the last argument", () => {
    // `sleep 30`
    expect(parseCmdline(bytes("sleep\x0030\x00"))).toEqual(["sleep", "30"]);
  });

  it("keeps an empty argument, and shows invalid UTF-8 as \\xNN instead of dropping it", () => {
    // sh -c 'sleep 30' $'caf\xe9' ''   (é in Latin-1, then an empty $1)
    expect(parseCmdline(bytes("sh\x00-c\x00sleep 30\x00caf\xe9\x00\x00"))).toEqual(["sh", "-c", "sleep 30", "caf\\xe9", ""]);
    // Valid UTF-8 stays as it is.
    expect(parseCmdline(Buffer.from("echo\0caf\u00e9 \u65e5\u672c\0"))).toEqual(["echo", "caf\u00e9 \u65e5\u672c"]);
  });

  it("gives [] for the empty file of a kernel thread or a zombie", () => {
    expect(parseCmdline(new Uint8Array(0))).toEqual([]);
  });

  it("reads text without a trailing NUL as one last argument", () => {
    // A process that overwrote its whole argument area, final NUL included, with a title: the
    // kernel then reads on into the environment up to the first NUL (fs/proc/base.c,
    // get_mm_proctitle()). Captured from a C helper run as `title abc defgh`.
    expect(parseCmdline(bytes("title: busy       SHELL=/bin/bash\x00"))).toEqual(["title: busy       SHELL=/bin/bash"]);
    // Cut short (a read of a prefix, or a file written by hand): the last argument still counts.
    expect(parseCmdline(bytes("title: busy"))).toEqual(["title: busy"]);
    expect(parseCmdline(bytes("ls\x00-l"))).toEqual(["ls", "-l"]);
  });

  it("keeps the NUL padding of a title set by node's process.title, as the kernel shows it", () => {
    // node -e 'process.title = "my worker: idle"': node pads the old area with NULs.
    const text = `my worker: idle${"\x00".repeat(68)}`;
    const args = parseCmdline(bytes(text));
    expect(args[0]).toBe("my worker: idle");
    expect(args.length).toBe(68);
    expect(args.slice(1).every((a) => a === "")).toBe(true);
  });

  it("reads a Uint8Array view at an offset without reading past it", () => {
    const whole = bytes("XXls\x00-l\x00YY");
    expect(parseCmdline(whole.subarray(2, 8))).toEqual(["ls", "-l"]);
  });
});

describe("parseEnviron()", () => {
  it("splits at the first = only; a later duplicate wins; an entry without = is kept empty", () => {
    expect(parseEnviron(bytes("A=1\x00B=x=y\x00A=2\x00BARE\x00\x00"))).toEqual({ A: "2", B: "x=y", BARE: "" });
  });

  it("gives {} for an empty environ, and no prototype keys", () => {
    const env = parseEnviron(new Uint8Array(0));
    expect(Object.keys(env)).toEqual([]);
    expect(Object.entries(parseEnviron(bytes("__proto__=x\x00")))).toEqual([["__proto__", "x"]]);
  });
});
