/**
 * Capability sets: the CapInh/CapPrm/CapEff/CapBnd/CapAmb lines of /proc/PID/status and
 * /proc/sys/kernel/cap_last_cap — capabilities(7), <linux/capability.h>.
 * Each set is a 64-bit mask printed as 16 hex digits, bit N being capability N. Bits above the
 * running kernel's cap_last_cap are never set, and a newer kernel may set bits this list does not name.
 */
import { InvalidArgument } from "../errors.js";

/** Capability names by number, as libcap and capsh(1) print them (capabilities(7) spells them CAP_CHOWN...). */
export const CAPABILITY_NAMES = [
  "cap_chown", // 0
  "cap_dac_override",
  "cap_dac_read_search",
  "cap_fowner",
  "cap_fsetid",
  "cap_kill", // 5
  "cap_setgid",
  "cap_setuid",
  "cap_setpcap",
  "cap_linux_immutable",
  "cap_net_bind_service", // 10
  "cap_net_broadcast",
  "cap_net_admin",
  "cap_net_raw",
  "cap_ipc_lock",
  "cap_ipc_owner", // 15
  "cap_sys_module",
  "cap_sys_rawio",
  "cap_sys_chroot",
  "cap_sys_ptrace",
  "cap_sys_pacct", // 20
  "cap_sys_admin",
  "cap_sys_boot",
  "cap_sys_nice",
  "cap_sys_resource",
  "cap_sys_time", // 25
  "cap_sys_tty_config",
  "cap_mknod",
  "cap_lease",
  "cap_audit_write",
  "cap_audit_control", // 30
  "cap_setfcap",
  "cap_mac_override",
  "cap_mac_admin",
  "cap_syslog",
  "cap_wake_alarm", // 35
  "cap_block_suspend",
  "cap_audit_read",
  "cap_perfmon",
  "cap_bpf",
  "cap_checkpoint_restore", // 40
] as const;

export type CapabilityName = (typeof CAPABILITY_NAMES)[number];

/** CAP_LAST_CAP of the newest kernel this list knows (cap_checkpoint_restore, Linux 5.9). */
export const CAP_LAST_CAP = CAPABILITY_NAMES.length - 1;

function checkMask(mask: bigint): void {
  if (mask < 0n || mask >= 1n << 64n) throw new InvalidArgument(`capability mask ${mask} is not a 64-bit unsigned value`);
}

/**
 * Names of the capabilities set in a mask, lowest bit first; an unknown bit N reads "cap_N".
 * capabilityNames(0x3n) → ["cap_chown", "cap_dac_override"]; capabilityNames(1n << 45n) → ["cap_45"]
 */
export function capabilityNames(mask: bigint): string[] {
  checkMask(mask);
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if ((mask >> BigInt(bit)) & 1n) names.push(CAPABILITY_NAMES[bit] ?? `cap_${bit}`);
  }
  return names;
}

/**
 * The capability number for a name, or null: "cap_sys_admin" → 21, "CAP_SYS_ADMIN" → 21, "cap_45" → 45.
 * capabilityNumber("cap_kill") === 5
 */
export function capabilityNumber(name: string): number | null {
  const lower = name.toLowerCase();
  const known = (CAPABILITY_NAMES as readonly string[]).indexOf(lower);
  if (known >= 0) return known;
  const match = /^cap_(\d+)$/.exec(lower);
  return match && Number(match[1]) < 64 ? Number(match[1]) : null;
}

/**
 * True when every capability from 0 to lastCap is in the mask (what root has with no restriction).
 * Pass /proc/sys/kernel/cap_last_cap to judge against the running kernel rather than this list.
 * isFullCapabilitySet(0x1ffffffffffn) === true; isFullCapabilitySet(0x1fffeffffffn) === false
 */
export function isFullCapabilitySet(mask: bigint, lastCap: number = CAP_LAST_CAP): boolean {
  checkMask(mask);
  if (!Number.isInteger(lastCap) || lastCap < 0 || lastCap > 63) throw new InvalidArgument(`cap_last_cap ${lastCap} is not 0..63`);
  const full = (1n << BigInt(lastCap + 1)) - 1n;
  return (mask & full) === full;
}
