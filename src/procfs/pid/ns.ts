/**
 * /proc/PID/ns/* — namespaces(7), "The /proc/[pid]/ns/ directory"; proc(5).
 * Each entry is a symbolic link whose text is "TYPE:[INODE]". Two processes share a namespace when
 * the inode (and device) match. The *_for_children links name the namespace type they point to
 * ("pid_for_children" reads "pid:[...]"), so the link name and the type differ.
 */
import { ParseError } from "../../errors.js";

/** The entries the kernel offers in /proc/PID/ns/ (Linux 5.6+; older kernels offer fewer). */
export const NAMESPACE_LINKS = [
  "cgroup",
  "ipc",
  "mnt",
  "net",
  "pid",
  "pid_for_children",
  "time",
  "time_for_children",
  "user",
  "uts",
] as const;

export type NamespaceLink = (typeof NAMESPACE_LINKS)[number];

export interface NsLink {
  /** The namespace type: "net", "mnt", "pid", ...; a *_for_children link reads as its base type. */
  readonly type: string;
  /** The namespace's inode number in the nsfs filesystem: its identity. */
  readonly inode: number;
}

/**
 * Parses the text of a /proc/PID/ns/* link.
 * parseNsLink("net:[4026531840]") → { type: "net", inode: 4026531840 }
 */
export function parseNsLink(text: string): NsLink {
  const match = /^([a-z_]+):\[(\d+)\]$/.exec(text);
  if (!match) throw new ParseError('expected "type:[inode]"', text);
  const inode = Number(match[2]);
  if (!Number.isSafeInteger(inode)) throw new ParseError("the inode number is too large", text);
  return { type: match[1] as string, inode };
}
