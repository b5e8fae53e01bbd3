import { readFileSync } from 'node:fs';
import { execLabel } from '@pidscope/protocol';
import { testProcess } from '@pidscope/protocol/testing';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { execEvent, fromExecInspect } from '../../src/docker/dockerWatcher.js';
import { buildContainers, type DockerExec, joinExecs } from '../../src/model/containers.js';
import { createRedactor } from '../../src/security/redact.js';

/** Captured from a real daemon by scripts/captureExecFixtures.ts. */
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/docker-exec.json', import.meta.url), 'utf8'),
) as {
  containerId: string;
  events: string[];
  detached: {
    command: string[];
    user: string;
    pidFromProc: number;
    inspect: Docker.ExecInspectInfo;
  };
  waited: { command: string[]; user: string; inspect: Docker.ExecInspectInfo };
};
const CID = fixture.containerId;
const same = (argv: readonly string[]) => argv;

describe('docker exec sessions (captured from Docker)', () => {
  it('[S10] reads exec_start and exec_die off the event stream, and nothing else', () => {
    const seen = fixture.events.map((line) => execEvent(JSON.parse(line)));
    expect(seen).toEqual([
      null, // exec_create: the process does not run yet
      { action: 'exec_start', containerId: CID, execId: fixture.detached.inspect.ID },
      null,
      { action: 'exec_start', containerId: CID, execId: fixture.waited.inspect.ID },
      { action: 'exec_die', containerId: CID, execId: fixture.waited.inspect.ID },
    ]);
    expect(execEvent({ Type: 'container', Action: 'start', Actor: { ID: CID } })).toBeNull();
    expect(
      execEvent({ Type: 'container', Action: 'exec_start: sh', Actor: { ID: CID } }),
    ).toBeNull();
  });

  it('[S10] a running session has its command, user and the host PID /proc showed', () => {
    expect(fromExecInspect(fixture.detached.inspect)).toEqual({
      id: fixture.detached.inspect.ID,
      command: fixture.detached.command,
      user: fixture.detached.user,
      tty: false,
      pid: fixture.detached.pidFromProc,
    });
    // Without `-u`, Docker leaves the user out: the container's own.
    expect(fromExecInspect({ ...fixture.waited.inspect, Running: true })).toMatchObject({
      command: fixture.waited.command,
      user: '',
    });
  });

  it('[S10] an ended session, or one whose process has not started, is none', () => {
    expect(fromExecInspect(fixture.waited.inspect)).toBeNull();
    expect(fromExecInspect({ ...fixture.detached.inspect, Pid: 0 })).toBeNull();
  });
});

describe('joinExecs', () => {
  const exec: DockerExec = {
    id: 'e1',
    command: ['sh', '-c', 'mysql -pHUNTER2 db'],
    user: '1000',
    tty: true,
    pid: 4500,
  };
  const member = testProcess({ pid: 4500, containerId: CID, startTime: 9000 });

  it('[S10] joins a session to its process by PID and keeps that start time', () => {
    const [s] = joinExecs([exec], [member], [], same);
    expect(s).toEqual({ ...exec, startTime: 9000 });
    // Later, the PID belongs to another process: that is not the session.
    const reused = { ...member, startTime: 9500 };
    expect(joinExecs([exec], [reused], [s as NonNullable<typeof s>], same)).toEqual([]);
  });

  it('[S10] lists a session only once its process is seen, in PID order', () => {
    expect(joinExecs([exec], [], [], same)).toEqual([]);
    const other = { ...exec, id: 'e0', pid: 4400 };
    const both = joinExecs(
      [exec, other],
      [member, testProcess({ pid: 4400, containerId: CID })],
      [],
      same,
    );
    expect(both.map((e) => e.id)).toEqual(['e0', 'e1']);
  });

  it('[S10] a command is redacted like a command line', () => {
    const redact = createRedactor({ mode: 'default', names: [] });
    const [s] = joinExecs([exec], [member], [], redact);
    expect(s?.command.join(' ')).not.toContain('HUNTER2');
    expect(execLabel(s as NonNullable<typeof s>)).toMatch(/^exec: sh -c 'mysql -p/);
  });

  it('[S10] a container carries the sessions of its processes', () => {
    const init = testProcess({ pid: 4425, containerId: CID, nsPids: [4425, 1], pidNs: 7 });
    const containers = buildContainers({
      processes: [init, { ...member, pidNs: 7, nsPids: [4500, 9] }],
      cgroups: {},
      docker: new Map([
        [
          CID,
          {
            id: CID,
            name: 'web',
            image: 'busybox',
            state: 'running',
            initPid: 4425,
            hasInit: false,
            pidsLimit: null,
            labels: {},
            execs: [exec],
          },
        ],
      ]),
      dockerAvailable: true,
      previous: new Map(),
      namespacesOf: () => ({ net: 1, mnt: 1, ipc: 1, uts: 1, user: 1, cgroup: 1 }),
      hostPidNamespace: 1,
      redact: same,
    });
    expect(containers.get(CID)?.execs).toEqual([{ ...exec, startTime: 9000 }]);
  });
});
