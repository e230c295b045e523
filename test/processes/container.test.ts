import { describe, expect, it } from "vitest";
import { containerFromCgroupPath, detectContainer } from "../../src/processes/container.js";
import { parsePidCgroup } from "../../src/procfs/pid/cgroup.js";

const ID = "3f4e5c2a1b0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f";
const ID2 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const POD_UID = "8d1c0f2e-3b4a-4c5d-9e6f-7a8b9c0d1e2f";
const POD_SLICE_UID = POD_UID.replaceAll("-", "_");

const detect = (text: string) => detectContainer(parsePidCgroup(text));

// Captured from this machine: /proc/1/cgroup and /proc/self/cgroup (cgroup v1 plus the v2 line).
const THIS_INIT = "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n4:memory:/\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n";
const THIS_SELF = THIS_INIT.replace("4:memory:/\n", "4:memory:/process_api/6356e1e2098ec8ea9ff0ed0758288d58\n");

describe("detectContainer()", () => {
  it("returns null for this machine's processes, whose cgroups name no known runtime", () => {
    expect(detect(THIS_INIT)).toBeNull();
    expect(detect(THIS_SELF)).toBeNull();
  });

  it("recognises docker with the cgroupfs driver on cgroup v1", () => {
    const text = [
      `12:pids:/docker/${ID}`,
      `11:memory:/docker/${ID}`,
      `4:cpu,cpuacct:/docker/${ID}`,
      `1:name=systemd:/docker/${ID}`,
      "0::/system.slice/containerd.service",
      "",
    ].join("\n");
    expect(detect(text)).toEqual({ runtime: "docker", id: ID, pod: null, unit: null, slice: null, cgroupPath: `/docker/${ID}` });
  });

  it("recognises docker with the systemd driver on cgroup v2", () => {
    expect(detect(`0::/system.slice/docker-${ID}.scope\n`)).toEqual({
      runtime: "docker",
      id: ID,
      pod: null,
      unit: `docker-${ID}.scope`,
      slice: "system.slice",
      cgroupPath: `/system.slice/docker-${ID}.scope`,
    });
  });

  it("takes the innermost of nested docker containers", () => {
    expect(detect(`0::/docker/${ID}/docker/${ID2}\n`)?.id).toBe(ID2);
  });

  it("recognises a kubernetes pod on containerd (systemd driver, cgroup v2) with its QoS class", () => {
    const path = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_SLICE_UID}.slice/cri-containerd-${ID}.scope`;
    expect(detect(`0::${path}\n`)).toEqual({
      runtime: "containerd",
      id: ID,
      pod: { uid: POD_UID, qosClass: "burstable" },
      unit: `cri-containerd-${ID}.scope`,
      slice: `kubepods-burstable-pod${POD_SLICE_UID}.slice`,
      cgroupPath: path,
    });
  });

  it("recognises a guaranteed pod, which has no QoS slice", () => {
    const path = `/kubepods.slice/kubepods-pod${POD_SLICE_UID}.slice/cri-containerd-${ID}.scope`;
    expect(detect(`0::${path}\n`)?.pod).toEqual({ uid: POD_UID, qosClass: "guaranteed" });
  });

  it("recognises a kind node's kubelet-prefixed slices", () => {
    const path = `/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${POD_SLICE_UID}.slice/cri-containerd-${ID}.scope`;
    expect(detect(`0::${path}\n`)).toMatchObject({ runtime: "containerd", id: ID, pod: { uid: POD_UID, qosClass: "besteffort" } });
  });

  it('recognises a pod with the cgroupfs driver on cgroup v1, runtime unknown ("kubernetes")', () => {
    const text = [
      `11:memory:/kubepods/besteffort/pod${POD_UID}/${ID}`,
      `5:pids:/kubepods/besteffort/pod${POD_UID}/${ID}`,
      `1:name=systemd:/kubepods/besteffort/pod${POD_UID}/${ID}`,
      "",
    ].join("\n");
    expect(detect(text)).toEqual({
      runtime: "kubernetes",
      id: ID,
      pod: { uid: POD_UID, qosClass: "besteffort" },
      unit: null,
      slice: null,
      cgroupPath: `/kubepods/besteffort/pod${POD_UID}/${ID}`,
    });
    expect(detect(`0::/kubepods/pod${POD_UID}/${ID}\n`)?.pod?.qosClass).toBe("guaranteed");
  });

  it("recognises a static pod, whose UID is 32 hex digits", () => {
    const uid = "5f1e9d8c7b6a5f4e3d2c1b0a9f8e7d6c";
    expect(detect(`0::/kubepods/burstable/pod${uid}/${ID}\n`)?.pod).toEqual({ uid, qosClass: "burstable" });
  });

  it("recognises a systemd cgroupsPath taken literally by a mismatched driver", () => {
    const path = `/system.slice/containerd.service/kubepods-burstable-pod${POD_SLICE_UID}.slice:cri-containerd:${ID}`;
    expect(detect(`0::${path}\n`)).toMatchObject({
      runtime: "containerd",
      id: ID,
      pod: { uid: POD_UID, qosClass: "burstable" },
      unit: "containerd.service",
    });
  });

  it("recognises cri-o, but not its conmon monitor as a container", () => {
    const pod = `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD_SLICE_UID}.slice`;
    expect(detect(`0::${pod}/crio-${ID}.scope\n`)).toMatchObject({ runtime: "cri-o", id: ID, pod: { qosClass: "besteffort" } });
    expect(detect(`0::${pod}/crio-conmon-${ID}.scope\n`)).toMatchObject({
      runtime: "kubernetes",
      id: null,
      unit: `crio-conmon-${ID}.scope`,
    });
  });

  it("recognises podman: rootful, rootless, a sub-cgroup, and the cgroupfs driver", () => {
    expect(detect(`0::/machine.slice/libpod-${ID}.scope\n`)).toMatchObject({ runtime: "podman", id: ID, slice: "machine.slice" });
    expect(detect(`0::/machine.slice/libpod-${ID}.scope/container\n`)).toMatchObject({ runtime: "podman", id: ID });
    expect(detect(`0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope\n`)).toMatchObject({
      runtime: "podman",
      id: ID,
      slice: "user.slice",
    });
    expect(detect(`10:memory:/libpod_parent/libpod-${ID}\n`)).toMatchObject({ runtime: "podman", id: ID, unit: null });
  });

  it("recognises lxc before and since 4.0, with systemd running inside", () => {
    expect(detect("4:memory:/lxc/web01\n1:name=systemd:/lxc/web01\n")).toMatchObject({ runtime: "lxc", id: "web01" });
    expect(detect("0::/lxc.payload.web01/system.slice/nginx.service\n")).toMatchObject({
      runtime: "lxc",
      id: "web01",
      unit: "nginx.service",
    });
    expect(detect("0::/lxc.monitor.web01\n")).toBeNull();
  });

  it("recognises a systemd service", () => {
    expect(detect("0::/system.slice/nginx.service\n")).toEqual({
      runtime: "systemd",
      id: null,
      pod: null,
      unit: "nginx.service",
      slice: "system.slice",
      cgroupPath: "/system.slice/nginx.service",
    });
  });

  it("recognises a user session and a user service", () => {
    expect(detect("0::/user.slice/user-1000.slice/session-3.scope\n")).toMatchObject({
      runtime: "systemd",
      unit: "session-3.scope",
      slice: "user-1000.slice",
    });
    expect(detect("0::/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.service\n")).toMatchObject({
      unit: "dbus.service",
      slice: "app.slice",
    });
    expect(detect("0::/init.scope\n")).toMatchObject({ runtime: "systemd", unit: "init.scope", slice: null });
  });

  it("prefers a container in a v1 line over a systemd unit in the v2 line", () => {
    const text = `4:memory:/docker/${ID}\n1:name=systemd:/system.slice/foo.service\n0::/system.slice/foo.service\n`;
    expect(detect(text)).toMatchObject({ runtime: "docker", id: ID });
  });

  it("returns null for slices alone, the root, and unknown layouts", () => {
    expect(detect("0::/user.slice/user-1000.slice\n")).toBeNull();
    expect(detect("0::/\n")).toBeNull();
    expect(detect(`0::/docker/${ID.slice(0, 12)}\n`)).toBeNull();
    expect(detectContainer([])).toBeNull();
  });
});

describe("containerFromCgroupPath()", () => {
  it("reads one path", () => {
    expect(containerFromCgroupPath(`/system.slice/docker-${ID}.scope`)?.runtime).toBe("docker");
    expect(containerFromCgroupPath("/")).toBeNull();
  });
});
