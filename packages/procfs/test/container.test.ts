import { describe, expect, it } from 'vitest';
import {
  attributeContainer,
  type ContainerRuntime,
  containerFromCgroupPath,
  parsePidCgroup,
} from '../src/index.js';

const A = 'a8d5c3f2e1b0a9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4';
const B = '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0';
const POD = 'pod0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const POD_SLICE = 'pod0a1b2c3d_4e5f_6789_abcd_ef0123456789';

type Row = [name: string, path: string, id: string | null, runtime: ContainerRuntime | null];

// Real-shaped paths: Docker and the kubelet on both cgroup drivers, CRI-O, containerd 1.4's
// systemd form, Podman rootful/rootless/cgroupfs, conmon, nesting, and host paths.
const paths: Row[] = [
  ['docker cgroupfs', `/docker/${A}`, A, 'docker'],
  ['docker systemd', `/system.slice/docker-${A}.scope`, A, 'docker'],
  ['docker --cgroup-parent', `/actions_job/${A}`, A, 'docker'],
  ['k8s cgroupfs (containerd/docker)', `/kubepods/burstable/${POD}/${A}`, A, 'containerd'],
  ['k8s cgroupfs besteffort', `/kubepods/besteffort/${POD}/${A}`, A, 'containerd'],
  [
    'k8s systemd containerd',
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-${POD_SLICE}.slice/cri-containerd-${A}.scope`,
    A,
    'containerd',
  ],
  [
    'k8s systemd cri-o',
    `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-${POD_SLICE}.slice/crio-${A}.scope`,
    A,
    'cri-o',
  ],
  [
    'k8s systemd dockershim',
    `/kubepods.slice/kubepods-${POD_SLICE}.slice/docker-${A}.scope`,
    A,
    'docker',
  ],
  [
    'containerd 1.4 systemd form',
    `/system.slice/containerd.service/kubepods-burstable-${POD_SLICE}.slice:cri-containerd:${A}`,
    A,
    'containerd',
  ],
  ['podman rootful', `/machine.slice/libpod-${A}.scope`, A, 'podman'],
  ['podman rootful, container subgroup', `/machine.slice/libpod-${A}.scope/container`, A, 'podman'],
  [
    'podman rootless',
    `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${A}.scope/container`,
    A,
    'podman',
  ],
  ['podman payload', `/machine.slice/libpod-payload-${A}`, A, 'podman'],
  ['podman cgroupfs', `/libpod_parent/libpod-${A}`, A, 'podman'],
  ['podman conmon is not the container', `/machine.slice/libpod-conmon-${A}.scope`, null, null],
  [
    'rootless conmon is not the container',
    `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-conmon-${A}.scope`,
    null,
    null,
  ],
  ['cri-o conmon is not the container', `/kubepods.slice/crio-conmon-${A}.scope`, null, null],
  ['docker-in-docker: last id wins', `/docker/${A}/docker/${B}`, B, 'docker'],
  [
    'kind: a pod inside a docker container',
    `/system.slice/docker-${A}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-${POD_SLICE}.slice/cri-containerd-${B}.scope`,
    B,
    'containerd',
  ],
  ['kind, cgroupfs', `/docker/${A}/kubepods/besteffort/${POD}/${B}`, B, 'containerd'],
  [
    'conmon inside a container gives the outer one',
    `/docker/${A}/libpod-conmon-${B}.scope`,
    A,
    'docker',
  ],
  ['other cgroup namespace', `/../${A}`, A, 'docker'],
  ['host root', '/', null, null],
  ['host service', '/system.slice/sshd.service', null, null],
  ['docker daemon itself', '/system.slice/docker.service', null, null],
  ['user session', '/user.slice/user-0.slice/session-3.scope', null, null],
  ['63 hex is not an id', `/docker/${A.slice(1)}`, null, null],
  ['uppercase is not an id', `/docker/${A.toUpperCase()}`, null, null],
  ['unknown prefix', `/system.slice/foo-${A}.scope`, null, null],
];

describe('containerFromCgroupPath', () => {
  it.each(paths)('%s', (_, path, id, runtime) => {
    const found = containerFromCgroupPath(path);
    expect(found).toEqual(id === null ? null : { containerId: id, runtime });
  });
});

const v1 = (path: string) =>
  [`12:pids:${path}`, `11:cpu,cpuacct:${path}`, `10:memory:${path}`, `1:name=systemd:${path}`].join(
    '\n',
  );

describe('attributeContainer over /proc/<pid>/cgroup', () => {
  it('a docker process on a hybrid host (all lines, plus 0::)', () => {
    const text = `${v1(`/docker/${A}`)}\n0::/docker/${A}\n`;
    expect(attributeContainer(parsePidCgroup(text))).toEqual({ containerId: A, runtime: 'docker' });
  });

  it('a zombie: v1 lines read /, the 0:: line keeps the path', () => {
    const text = `${v1('/')}\n0::/docker/${A}\n`;
    expect(attributeContainer(parsePidCgroup(text))).toEqual({ containerId: A, runtime: 'docker' });
  });

  it('a zombie on pure v2 whose cgroup is gone', () => {
    const text = `0::/system.slice/docker-${A}.scope (deleted)\n`;
    expect(attributeContainer(parsePidCgroup(text))).toEqual({ containerId: A, runtime: 'docker' });
  });

  it('a zombie with nothing but / left: no attribution (the scanner groups by PID namespace)', () => {
    expect(attributeContainer(parsePidCgroup(`${v1('/')}\n0::/\n`))).toBeNull();
  });

  it('falls back to the pids line when 0:: is / (v1-only container runtime)', () => {
    const text = `${v1(`/kubepods/besteffort/${POD}/${A}`)}\n0::/\n`;
    expect(attributeContainer(parsePidCgroup(text))).toEqual({
      containerId: A,
      runtime: 'containerd',
    });
  });

  it('uses name=systemd when it alone names the container', () => {
    const text = `12:pids:/\n1:name=systemd:/system.slice/docker-${A}.scope\n0::/\n`;
    expect(attributeContainer(parsePidCgroup(text))).toEqual({ containerId: A, runtime: 'docker' });
  });

  it('pure v2, systemd driver, podman rootless', () => {
    const text = `0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${A}.scope/container\n`;
    expect(attributeContainer(parsePidCgroup(text))).toEqual({ containerId: A, runtime: 'podman' });
  });

  it('a host process is no container', () => {
    expect(attributeContainer(parsePidCgroup(`${v1('/user.slice')}\n0::/user.slice\n`))).toBeNull();
  });
});
