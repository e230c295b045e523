/** mapErrno(): the one errno → typed error mapping, without a /proc. */
import { describe, expect, it } from "vitest";
import { type ErrnoContext, mapErrno } from "../../src/access/errno.js";
import { AccessDenied, ProcessGone, Unavailable } from "../../src/errors.js";

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed`), { code });
}

const context = (over: Partial<ErrnoContext> = {}): ErrnoContext => ({
  path: "/proc/42/io",
  pid: 42,
  pinned: true,
  alive: () => true,
  explainDenied: (code) => `because (${code})`,
  ...over,
});

describe("mapErrno()", () => {
  it("ENOENT on a live process is Unavailable; on a gone one ProcessGone; the errno kept as cause", () => {
    const cause = errno("ENOENT");
    const missing = mapErrno(cause, context());
    expect(missing).toBeInstanceOf(Unavailable);
    expect(missing.message).toBe('"/proc/42/io" does not exist');
    expect(missing.cause).toBe(cause);
    const gone = mapErrno(errno("ENOTDIR"), context({ alive: () => false }));
    expect(gone).toBeInstanceOf(ProcessGone);
    expect(gone.cause).toBeInstanceOf(Error);
    // A path of no process (/proc/meminfo) is never "gone".
    expect(mapErrno(errno("ENOENT"), context({ path: "/proc/meminfo", pid: undefined, alive: () => false }))).toBeInstanceOf(Unavailable);
  });

  it("ESRCH through a pinned, still-alive directory is a zombie's missing memory, not an exit", () => {
    const zombie = mapErrno(errno("ESRCH"), context());
    expect(zombie).toBeInstanceOf(Unavailable);
    expect(zombie.message).toMatch(/no memory \(zombie or exiting\)/);
    expect(mapErrno(errno("ESRCH"), context({ alive: () => false }))).toBeInstanceOf(ProcessGone);
    // Unpinned, ESRCH means gone whatever PID/stat says (the PID may already be reused).
    expect(mapErrno(errno("ESRCH"), context({ pinned: false }))).toBeInstanceOf(ProcessGone);
    expect(mapErrno(errno("ESRCH"), context({ pid: undefined, pinned: false }))).toBeInstanceOf(Unavailable);
  });

  it("EACCES and EPERM are AccessDenied with the reason the context gives", () => {
    for (const code of ["EACCES", "EPERM"] as const) {
      const denied = mapErrno(errno(code), context());
      expect(denied).toBeInstanceOf(AccessDenied);
      expect(denied.message).toContain(`because (${code})`);
    }
  });

  it("EIO, EINVAL and EOPNOTSUPP are Unavailable naming the code; other errors pass through", () => {
    for (const code of ["EIO", "EINVAL", "EOPNOTSUPP"]) {
      const error = mapErrno(errno(code), context());
      expect(error).toBeInstanceOf(Unavailable);
      expect(error.message).toBe(`cannot read "/proc/42/io": ${code}`);
    }
    const other = errno("EMFILE");
    expect(mapErrno(other, context())).toBe(other);
    expect(mapErrno("text", context())).toEqual(new Error("text"));
  });

  it("asks whether the process is alive only when the answer matters", () => {
    let asked = 0;
    const counting = context({
      alive: () => {
        asked += 1;
        return true;
      },
    });
    mapErrno(errno("EACCES"), counting);
    mapErrno(errno("EIO"), counting);
    expect(asked).toBe(0);
    mapErrno(errno("ENOENT"), counting);
    expect(asked).toBe(1);
  });
});
