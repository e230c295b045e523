import { describe, expect, it } from "vitest";
import { parseVersion } from "../../src/procfs/version.js";
import { captured, parseErrorOf } from "./_helpers.js";

describe("parseVersion()", () => {
  it("reads a real line with parentheses nested in the compiler group", () => {
    expect(parseVersion(captured("version"))).toEqual({
      raw: "Linux version 6.18.44-fc-v669 (builder@sandboxing) (gcc (GCC) 15.3.0, GNU ld (GNU Binutils) 2.46) #1 SMP PREEMPT_DYNAMIC @0",
      release: "6.18.44-fc-v669",
      builtBy: "builder@sandboxing",
      compiler: "gcc (GCC) 15.3.0, GNU ld (GNU Binutils) 2.46",
      build: "#1 SMP PREEMPT_DYNAMIC @0",
    });
  });

  it("reads an older line with a space before the closing parenthesis", () => {
    const version = parseVersion(
      "Linux version 2.6.32-21-generic (buildd@rothera) (gcc version 4.4.3 (Ubuntu 4.4.3-4ubuntu5) ) #32-Ubuntu SMP Fri Apr 16 08:09:38 UTC 2010\n",
    );
    expect(version.release).toBe("2.6.32-21-generic");
    expect(version.builtBy).toBe("buildd@rothera");
    expect(version.compiler).toBe("gcc version 4.4.3 (Ubuntu 4.4.3-4ubuntu5) ");
    expect(version.build).toBe("#32-Ubuntu SMP Fri Apr 16 08:09:38 UTC 2010");
  });

  it("reports the groups a sandboxed kernel leaves out as null", () => {
    const version = parseVersion("Linux version 4.4.0 #1 SMP Sun Jan 10 15:06:54 PST 2016\n");
    expect(version).toMatchObject({ release: "4.4.0", builtBy: null, compiler: null, build: "#1 SMP Sun Jan 10 15:06:54 PST 2016" });
    expect(parseVersion("Linux version 5.4.0 (gcc 9.3.0) #1\n")).toMatchObject({ builtBy: null, compiler: "gcc 9.3.0", build: "#1" });
  });

  it("rejects other systems, unbalanced parentheses and truncated input", () => {
    expect(parseErrorOf(() => parseVersion("FreeBSD 14.0-RELEASE\n")).line).toBe(1);
    expect(parseErrorOf(() => parseVersion("Linux version 6.1 (a@b) (gcc (GCC 12) #1\n")).message).toMatch(/unbalanced/);
    expect(parseErrorOf(() => parseVersion("Linux version 6.18.44 (builder@sandboxing) (gcc (GC")).message).toMatch(/truncated/);
    expect(parseErrorOf(() => parseVersion("")).line).toBe(1);
  });
});
