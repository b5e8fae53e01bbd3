// [H2] on the agent's side: what it records is stamped when it is published, not when its
// reading began. The model, the store and the recorder are the real ones; the samples are made up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore, Recorder } from '@pidscope/history';
import type { HostHeadroom, ProcessRecord } from '@pidscope/procfs';
import type { DockerStatus } from '@pidscope/protocol';
import { testRecord } from '@pidscope/protocol/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveModel, type Tick } from '../../src/model/liveModel.js';
import { publishedTicks } from '../../src/plugins/history.js';
import type { Sample } from '../../src/sampler/messages.js';
import { recordedTicks } from '../helpers/recording.js';

const HOST: HostHeadroom = {
  pidMax: 32768,
  threadsMax: 100000,
  tasks: 10,
  processes: 2,
  zombies: 1,
  kernelThreads: 0,
  headroom: 32458,
  lastPid: 101,
};
const DOWN: DockerStatus = { available: false, reason: 'no Docker here', version: null };
const noDocker = { status: DOWN, containers: new Map() };
const log = { warn: () => {}, error: () => {} };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function sample(at: number, changed: ProcessRecord[], removed: string[]): Sample {
  return {
    changed,
    removed,
    full: false,
    cause: 'watch',
    at,
    durationMs: 1,
    vanished: 0,
    host: HOST,
    cgroups: {},
  };
}

describe('the recording of the live model', () => {
  it('[H2] replays a moment as it was published then, though a reading that began before it found the zombie reaped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pidscope-published-'));
    dirs.push(dir);
    const model = new LiveModel('vm', DOWN);
    const listeners = new Set<(t: Tick) => void>();
    const publish = (t: Tick) => {
      for (const l of listeners) l(t);
    };
    const service = {
      state: () => model.state,
      onTick: (l: (t: Tick) => void) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    const parent = testRecord({ pid: 100, ppid: 1, comm: 'sh' });
    const zombie = testRecord({ pid: 101, ppid: 100, comm: 'sleep', state: 'Z' });
    publish(model.applySample(sample(Date.now(), [parent, zombie], []), noDocker));

    const store = HistoryStore.open({
      dir,
      owner: { pid: process.pid, startTime: 1 },
      retentionMs: 86_400_000,
      maxBytes: 2 ** 26,
    });
    const recorder = new Recorder(store, publishedTicks(service), { log, flushEveryMs: 60_000 });
    await recorder.start();
    await new Promise((r) => setTimeout(r, 5));
    // What a stream client holds at `moment`: the zombie.
    const moment = Date.now();
    await new Promise((r) => setTimeout(r, 5));
    // A reading that began 300 ms before the moment (a loaded main thread applies it late) and
    // reached the zombie after its parent reaped it: published now.
    publish(model.applySample(sample(moment - 300, [], [`101:${zombie.startTime}`]), noDocker));
    await recorder.close();

    const zombieAt = (at: number) => store.stateAt(at).state.processes.find((p) => p.pid === 101);
    expect(zombieAt(moment)).toMatchObject({ state: 'Z', ppid: 100 });
    expect(zombieAt(Date.now())).toBeUndefined();
    const [reaped] = recordedTicks(dir);
    expect(reaped?.at).toBeGreaterThan(moment);
    expect(reaped?.cause).toBe('watch');
    await store.close();
  });
});
