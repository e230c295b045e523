/**
 * A UNIX socket bound to a name holding a newline used to make net print "cannot parse" and an
 * empty UNIX table: any user could hide every socket from a responder. unix_seq_show() prints the
 * path raw, so the name goes on over the next line; net must list it whole, and every other socket.
 * A name can also go on with a line shaped like a whole record: the kernel's own list of names
 * (sock_diag) must keep such a line inside the name instead of listing a forged socket.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runBin } from "../helpers/cli.js";
import { expectValidJson } from "../helpers/contract.js";
import { FIXTURE_PROC } from "../helpers/fixtures.js";
import { startProcess } from "../helpers/live.js";

// Directly under /tmp, not the run's TMPDIR: a socket's path holds at most 107 bytes, and the forged
// name below takes 70 of them.
const dir = fs.mkdtempSync("/tmp/psc-unix-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Socket inodes `ss -xa` lists: the local "port" column of each socket is its inode. */
function ssInodes(): Set<number> {
  const text = execFileSync("ss", ["-xaH"], { encoding: "latin1" });
  const inodes = new Set<number>();
  // A name with a newline splits a row over two lines: the inode is always at the end of the last one.
  for (const line of text.split("\n")) {
    const m = /\s(\d+)\s+\S+\s+(\d+)\s*$/.exec(line);
    if (m) inodes.add(Number(m[1]));
  }
  return inodes;
}

interface NetJson {
  sockets: {
    protocol: string;
    inode: number;
    state: string;
    path: string | null;
    rxQueueBytes: number | null;
    backlog: number | null;
    rawBase64?: { path?: string };
    owners: { pid: number }[];
  }[];
  errors: Record<string, string>;
  problems: Record<string, unknown[]>;
}

/**
 * A python3 process holding a listening UNIX stream socket (backlog 7) bound to each name, given
 * as bytes (a name may be invalid UTF-8, which an argv string cannot carry); `pending` ones also
 * get a connection nobody accepts.
 */
function startListeners(names: readonly { bytes: Buffer; pending?: boolean }[]) {
  const script = [
    "import signal, socket, sys",
    "held = []",
    "for arg in sys.argv[1:]:",
    "    kind, name = arg.split(':')",
    "    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
    "    s.bind(bytes.fromhex(name))",
    "    s.listen(7)",
    "    held.append(s)",
    "    if kind == 'pending':",
    "        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
    "        c.connect(bytes.fromhex(name))",
    "        held.append(c)",
    "print('ready', flush=True)",
    "signal.pause()",
  ].join("\n");
  const args = names.map((n) => `${n.pending ? "pending" : "plain"}:${n.bytes.toString("hex")}`);
  return startProcess("python3", ["-c", script, ...args], { ready: "ready" });
}

describe("net with hostile UNIX socket names", () => {
  it("lists a socket named with newlines under its exact name, and every other socket ss lists", async () => {
    const names = [path.join(dir, "a\nb"), path.join(dir, "ends-with-newline\n"), path.join(dir, "with space\n\nand two")];
    const script = `
      const net = require("node:net");
      const names = ${JSON.stringify(names)};
      let left = names.length;
      for (const name of names) net.createServer().listen(name, () => { if (--left === 0) console.log("ready"); });
      setInterval(() => {}, 1 << 30);`;
    const server = await startProcess(process.execPath, ["-e", script], { ready: "ready" });
    const before = ssInodes();
    const result = await runBin(["net", "--json", "--protocol", "unix"]);
    const after = ssInodes();
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/cannot parse|skipped/);
    const table = JSON.parse(result.stdout) as NetJson;
    expect(table.problems).toEqual({});
    const mine = table.sockets.filter((s) => s.owners.some((o) => o.pid === server.pid) && s.path !== null);
    expect(mine.map((s) => s.path).sort()).toEqual([...names].sort());
    // Sockets other sessions open and close meanwhile come and go: those in both ss runs must be here.
    const ours = new Set(table.sockets.map((s) => s.inode));
    const missing = [...before].filter((inode) => after.has(inode) && !ours.has(inode));
    expect(missing).toEqual([]);
    expect(before.size).toBeGreaterThan(3);
  });

  it("skips a line it cannot parse with one warning, lists the rest, and puts it in --json", async () => {
    const root = fs.mkdtempSync(path.join(dir, "root-"));
    fs.cpSync(path.join(FIXTURE_PROC, "net"), path.join(root, "net"), { recursive: true });
    const tcp = fs.readFileSync(path.join(root, "net/tcp"), "utf8").split("\n");
    tcp.splice(1, 0, "   9: garbage line");
    fs.writeFileSync(path.join(root, "net/tcp"), tcp.join("\n"));
    const json = await runBin(["net", "--root", root, "--json", "--protocol", "tcp"]);
    expect(json.code).toBe(0);
    const table = JSON.parse(json.stdout) as NetJson;
    expect(table.sockets.filter((s) => s.protocol === "tcp").length).toBe(tcp.length - 3);
    expect(table.problems).toEqual({ tcp: [{ line: 2, reason: expect.stringMatching(/columns/), excerpt: "   9: garbage line" }] });
    const warnings = json.stderr.split("\n").filter((l) => l.includes("net/tcp"));
    expect(warnings).toEqual([expect.stringMatching(/^procscope: net\/tcp: skipped 1 line it could not parse \(line 2: /)]);
  });

  it("lists a name that goes on with a line shaped like a record as one socket with the whole name, as ss does", async () => {
    const forgedLine = "0000000000000000: 00000002 00000000 00010000 0001 01 99999 forged";
    const name = path.join(dir, `c\n${forgedLine}`);
    const server = await startListeners([{ bytes: Buffer.from(name) }]);
    const result = await runBin(["net", "--json", "--protocol", "unix"]);
    const ss = ssInodes();
    expect(result.code, result.stderr).toBe(0);
    // Only the documented notice on processes even root cannot read (a capability it lacks), if any.
    expect(result.stderr.replace(/^procscope: \d+ process(es)? could not be read [^\n]*\n/, "")).toBe("");
    const table = JSON.parse(result.stdout) as NetJson;
    expect(table.errors).toEqual({});
    // Sockets python inherited (vitest's stdio) are unnamed.
    const mine = table.sockets.filter((s) => s.owners.some((o) => o.pid === server.pid) && s.path !== null);
    expect(mine.map((s) => s.path)).toEqual([name]);
    expect(ss.has(mine[0]?.inode as number)).toBe(true);
    // ss lists one socket for the name, and neither ss nor net lists the forged line's inode.
    expect(ss.has(99999)).toBe(false);
    expect(table.sockets.filter((s) => s.inode === 99999 || s.path === "forged")).toEqual([]);

    // Without the kernel's list of names, net cannot tell, and says so.
    const unchecked = await runBin(["net", "--json", "--protocol", "unix"], { env: { ...process.env, PROCSCOPE_NATIVE: "0" } });
    expect(unchecked.code).toBe(0);
    expect((JSON.parse(unchecked.stdout) as NetJson).errors.names).toMatch(
      /^not checked with the kernel, so a name holding a newline and text shaped like a record would be listed as sockets: the native helper is turned off/,
    );
    expect(unchecked.stderr).toMatch(/^procscope: UNIX socket peers and listen backlogs unknown, names not checked .*PROCSCOPE_NATIVE=0/m);
    await server.kill();
  });

  it("gives a name that is not valid UTF-8 its raw bytes in rawBase64.path", async () => {
    const bytes = Buffer.concat([Buffer.from(path.join(dir, "s")), Buffer.of(0xff), Buffer.from("q")]);
    const server = await startListeners([{ bytes }]);
    const result = await runBin(["net", "--json", "--protocol", "unix"]);
    expect(result.code, result.stderr).toBe(0);
    await expectValidJson("net", result.stdout);
    const table = JSON.parse(result.stdout) as NetJson;
    const mine = table.sockets.filter((s) => s.owners.some((o) => o.pid === server.pid) && s.path !== null);
    expect(mine.map((s) => s.path)).toEqual([`${path.join(dir, "s")}\\xffq`]);
    expect(Buffer.from(mine[0]?.rawBase64?.path ?? "", "base64")).toEqual(bytes);
    // A valid name has no twin.
    expect(table.sockets.filter((s) => s.rawBase64 !== undefined && s.path !== null && !s.path.includes("\\x"))).toEqual([]);
    await server.kill();
  });
});
