/**
 * Which container, pod or systemd unit a process runs in, recognised from the paths in its
 * /proc/PID/cgroup (cgroups(7); parsed by procfs/pid/cgroup.ts). Pure: the names are conventions
 * of the runtimes (docker, containerd's CRI plugin, CRI-O, podman, LXC), the kubelet and systemd,
 * not kernel facts, so anything unfamiliar yields null rather than a guess. A process inside a
 * cgroup namespace sees "/" and is not recognised.
 */
import type { PidCgroup } from "../procfs/pid/cgroup.js";

export type ContainerRuntime = "docker" | "containerd" | "cri-o" | "podman" | "lxc" | "kubernetes" | "systemd";

/** The pod's QoS class, from the kubelet's cgroup layout (guaranteed pods sit directly under kubepods). */
export type KubernetesQosClass = "guaranteed" | "burstable" | "besteffort";

export interface KubernetesPod {
  /** metadata.uid, with dashes (the systemd layout writes them as "_"). */
  readonly uid: string;
  readonly qosClass: KubernetesQosClass;
}

export interface ContainerInfo {
  /**
   * The runtime that made the cgroup. "kubernetes" when a pod is recognised but its runtime
   * cannot be told (the cgroupfs layout names containers by bare ID); "systemd" when the process
   * is in no container but in a systemd service or scope.
   */
  readonly runtime: ContainerRuntime;
  /** Container ID (64 hex digits) or LXC container name; null for a systemd unit or a pod-level cgroup. */
  readonly id: string | null;
  readonly pod: KubernetesPod | null;
  /** The innermost systemd unit in the path ("nginx.service", "docker-<id>.scope"), or null. */
  readonly unit: string | null;
  /** The innermost systemd slice above the unit ("system.slice", "user-1000.slice"), or null. */
  readonly slice: string | null;
  /** The cgroup path this was recognised from. */
  readonly cgroupPath: string;
}

const RUNTIME_BY_PREFIX: Readonly<Record<string, ContainerRuntime>> = {
  docker: "docker",
  "cri-containerd": "containerd",
  crio: "cri-o",
  libpod: "podman",
};

const HEX64 = /^[0-9a-f]{64}$/;
/** "docker-<id>.scope" (systemd driver) or "libpod-<id>" (podman's cgroupfs driver). Not "crio-conmon-<id>.scope". */
const RUNTIME_SCOPE = /^(docker|cri-containerd|crio|libpod)-([0-9a-f]{64})(?:\.scope)?$/;
/** The kubelet's root: "kubepods" (cgroupfs), "kubepods.slice" (systemd), "kubelet-kubepods.slice" (kind). */
const KUBEPODS = /^(?:[\w.-]+-)?kubepods(?:\.slice)?$/;
/** cgroupfs layout: "pod<uid>" (a UUID, or 32 hex digits for a static pod). */
const POD_DIR = /^pod([0-9a-f][0-9a-f-]{31,35})$/;
/** systemd layout: "kubepods-burstable-pod<uid with _>.slice"; guaranteed pods have no QoS part. */
const POD_SLICE = /^(?:[\w.-]+-)?kubepods(?:-(besteffort|burstable))?-pod([0-9a-f][0-9a-f_]{31,35})\.slice$/;
/** A systemd cgroupsPath "slice:prefix:id" taken literally by a mismatched cgroup driver. */
const POD_SLICE_COLON =
  /^(?:[\w.-]+-)?kubepods(?:-(besteffort|burstable))?-pod([0-9a-f][0-9a-f_]{31,35})\.slice:(docker|cri-containerd|crio):([0-9a-f]{64})$/;
const UNIT = /^[^/]+\.(?:service|scope)$/;

function qos(match: string | undefined): KubernetesQosClass {
  return match === "besteffort" || match === "burstable" ? match : "guaranteed";
}

/**
 * Recognises one cgroup path.
 * containerFromCgroupPath("/system.slice/nginx.service") → { runtime: "systemd", unit: "nginx.service", ... }
 */
export function containerFromCgroupPath(path: string): ContainerInfo | null {
  const segments = path.split("/").filter((s) => s !== "");
  let runtime: ContainerRuntime | null = null;
  let id: string | null = null;
  let pod: KubernetesPod | null = null;
  let podAt = -1;
  let kubepodsAt = -1;
  let qosClass: KubernetesQosClass = "guaranteed";
  let unitAt = -1;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const parent = segments[i - 1];
    if (UNIT.test(segment)) unitAt = i;
    if (KUBEPODS.test(segment)) {
      kubepodsAt = i;
      continue;
    }
    if (kubepodsAt >= 0 && kubepodsAt === i - 1 && (segment === "besteffort" || segment === "burstable")) {
      qosClass = segment;
      continue;
    }
    const podDir = kubepodsAt >= 0 ? POD_DIR.exec(segment) : null;
    if (podDir) {
      pod = { uid: podDir[1] as string, qosClass };
      podAt = i;
      continue;
    }
    const podSlice = POD_SLICE.exec(segment) ?? POD_SLICE_COLON.exec(segment);
    if (podSlice) {
      pod = { uid: (podSlice[2] as string).replaceAll("_", "-"), qosClass: qos(podSlice[1]) };
      podAt = i;
      if (podSlice[3] !== undefined) {
        runtime = RUNTIME_BY_PREFIX[podSlice[3]] as ContainerRuntime;
        id = podSlice[4] as string;
      }
      continue;
    }
    const scope = RUNTIME_SCOPE.exec(segment);
    if (scope) {
      runtime = RUNTIME_BY_PREFIX[scope[1] as string] as ContainerRuntime;
      id = scope[2] as string;
      continue;
    }
    if (HEX64.test(segment) && parent === "docker") {
      runtime = "docker"; // cgroupfs driver: /docker/<id>
      id = segment;
      continue;
    }
    if (HEX64.test(segment) && podAt >= 0 && podAt === i - 1) {
      runtime = "kubernetes"; // cgroupfs driver: /kubepods/<qos>/pod<uid>/<id>, runtime not named
      id = segment;
      continue;
    }
    const lxcPayload = /^lxc\.payload\.(.+)$/.exec(segment);
    if (lxcPayload) {
      runtime = "lxc"; // LXC 4.0+: /lxc.payload.<name>
      id = lxcPayload[1] as string;
    } else if ((parent === "lxc" || parent === "lxc.payload") && !segment.includes(".")) {
      runtime = "lxc"; // LXC before 4.0: /lxc/<name>
      id = segment;
    }
  }
  const unit = unitAt >= 0 ? (segments[unitAt] as string) : null;
  let slice: string | null = null;
  for (let i = (unitAt >= 0 ? unitAt : segments.length) - 1; i >= 0; i--) {
    if ((segments[i] as string).endsWith(".slice")) {
      slice = segments[i] as string;
      break;
    }
  }
  if (runtime === null && pod !== null) runtime = "kubernetes";
  if (runtime === null && unit !== null) runtime = "systemd";
  if (runtime === null) return null;
  return { runtime, id, pod, unit, slice, cgroupPath: path };
}

/**
 * Recognises the container (or pod, or systemd unit) of a process from its parsed cgroup lines.
 * The v2 line is tried first, then v1 lines in file order; a container or pod anywhere wins over a
 * plain systemd unit. Null when nothing is recognisable.
 * detectContainer(parsePidCgroup("0::/system.slice/docker-<64 hex>.scope\n"))?.runtime === "docker"
 */
export function detectContainer(cgroups: readonly PidCgroup[]): ContainerInfo | null {
  const ordered = [...cgroups.filter((c) => c.version === 2), ...cgroups.filter((c) => c.version === 1)];
  let unitOnly: ContainerInfo | null = null;
  for (const cgroup of ordered) {
    const found = containerFromCgroupPath(cgroup.path);
    if (found === null) continue;
    if (found.runtime !== "systemd") return found;
    unitOnly ??= found;
  }
  return unitOnly;
}
