// [H10] Records written in an older protocol read as the current one.
import { type Container, isPatch, isState, type Patch, type State } from '@pidscope/protocol';
import { TEST_HOST_PID_NS } from '@pidscope/protocol/testing';
import { describe, expect, it } from 'vitest';
import { decodeKeyframe, decodeTicks, replay } from '../src/index.js';
import { RECORDED_BEFORE_SOURCE, shareNamespaces } from '../src/upgrade.js';

const EMPTY_PATCH: Patch = {
  type: 'patch',
  seq: 8,
  baseSeq: 7,
  added: [],
  updated: [],
  removed: [],
  containers: { upserted: [], removed: [] },
  events: [],
};

function container(id: string, pidNs: number): Record<string, unknown> {
  // As protocol 1 recorded a container: no estimate, `pidNs`, nothing about sharing.
  return {
    id,
    name: id,
    image: 'pidscope/busybox:local',
    state: 'running',
    runtime: 'docker',
    initPid: 1,
    hasInit: false,
    pidNs,
    pidsCurrent: 1,
    pidsMax: null,
    forkFailures: 0,
    pidsPeak: null,
    labels: {},
  };
}

const recordedState = {
  seq: 7,
  host: {
    hostname: 'h',
    pidMax: 4194304,
    threadsMax: 63000,
    tasks: 120,
    processes: 100,
    zombies: 0,
    kernelThreads: 40,
    headroom: 4194184,
  },
  docker: { available: true, reason: null, version: '20.10.24' },
  containers: [container('web', 4026532500)],
  processes: [
    {
      pid: 7,
      startTime: 100,
      ppid: 1,
      state: 'S',
      comm: 'sleep',
      cmdline: ['sleep', '60'],
      uid: 0,
      threads: 1,
      kernelThread: false,
      nsPids: [7],
      pidNs: TEST_HOST_PID_NS,
      containerId: null,
      runtime: null,
      rssBytes: 4096,
      zombieSince: null,
    },
  ],
};

describe('[H10] reading an older recording', () => {
  it('brings a keyframe to the current protocol and says its sharing is to work out', () => {
    const { state, shareAgain } = decodeKeyframe(JSON.stringify(recordedState), 'f');
    expect(shareAgain).toBe(true);
    const c = state.containers[0] as Container;
    expect(c.pidNamespace).toBe(4026532500);
    expect('pidNs' in c).toBe(false);
    expect(state.processes[0]?.cpu).toBe(0);
    expect(state.host.source).toBe('polling');
    expect(state.host.sourceReason).toBe(RECORDED_BEFORE_SOURCE);
    expect(state.host.pidNamespace).toBeNull();
    expect(c.execs).toEqual([]);
    expect(isState(state), JSON.stringify(state)).toBe(true);
  });

  it('gives a container recorded in protocol 4 before [S10] no docker exec sessions', () => {
    const { state } = decodeKeyframe(JSON.stringify(recordedState), 'f');
    const { execs: _, ...before } = state.containers[0] as Container;
    const again = decodeKeyframe(JSON.stringify({ ...state, containers: [before] }), 'f');
    expect(again.shareAgain).toBe(false);
    expect(again.state.containers[0]?.execs).toEqual([]);
    expect(isState(again.state)).toBe(true);
  });

  it('leaves a keyframe recorded now as it is', () => {
    const now = decodeKeyframe(JSON.stringify(recordedState), 'f').state;
    const again = decodeKeyframe(JSON.stringify(now), 'f');
    expect(again).toEqual({ state: now, shareAgain: false });
  });

  it('brings the processes and containers a patch adds, and works out who shares after replay', () => {
    const { state } = decodeKeyframe(JSON.stringify(recordedState), 'f');
    const recordedPatch = {
      ...EMPTY_PATCH,
      added: [{ ...recordedState.processes[0], pid: 9, startTime: 200 }],
      // `--pid container:web`, recorded before [S9]: the same namespace inode.
      containers: { upserted: [container('sidecar', 4026532500)], removed: [] },
    };
    const { type: _t, events: _e, ...stored } = recordedPatch;
    const ticks = decodeTicks(JSON.stringify([{ at: 2, p: stored }]), 'f');
    expect(isPatch(ticks[0]?.patch)).toBe(true);
    const replayed = shareNamespaces(replay(state, 1, ticks, 2).state);
    expect(isState(replayed)).toBe(true);
    const byId = new Map<string, Container>(replayed.containers.map((c) => [c.id, c]));
    expect(byId.get('web')?.sharesPidNamespaceWith).toEqual(['sidecar']);
    expect(byId.get('sidecar')?.sharesPidNamespaceWith).toEqual(['web']);
    expect(replayed.processes.map((p) => p.cpu)).toEqual([0, 0]);
  });

  it('keeps a state whose containers need nothing', () => {
    const s = decodeKeyframe(JSON.stringify({ ...recordedState, containers: [] }), 'f');
    expect(s.shareAgain).toBe(false);
    expect(shareNamespaces(s.state as State).containers).toEqual([]);
  });
});
