// A real full disk: a tmpfs of a few hundred KiB, filled up by a file the test then removes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeState } from '@pidscope/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryStore, Recorder } from '../../src/index.js';
import { FakeSource, tempDir, world } from '../support.js';

const mounted: string[] = [];
afterEach(() => {
  for (const m of mounted.splice(0)) execFileSync('umount', [m]);
});

function tmpfs(kib: number): string {
  const dir = tempDir();
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'pidscope-test', dir]);
  mounted.push(dir);
  return dir;
}

describe('a full disk', () => {
  it('pauses recording with a reason, leaves no torn frame, and records again once there is room', async () => {
    const mount = tmpfs(512);
    const dir = join(mount, 'history');
    mkdirSync(dir);
    const w = world(41, 400, 400, Date.now());
    const store = HistoryStore.open({
      dir,
      owner: { pid: process.pid, startTime: 1 },
      retentionMs: 86_400_000,
      maxBytes: 2 ** 30,
    });
    const warnings: string[] = [];
    const source = new FakeSource(w.initial);
    const rec = new Recorder(store, source, {
      log: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
      flushEveryMs: 60_000,
      retryEveryMs: 0,
      keyframeAfterRatio: 0.2,
    });
    await rec.start();
    // Leave room for a few frames only.
    const { bavail, bsize } = statfsSync(mount);
    writeFileSync(join(mount, 'filler'), Buffer.alloc(Math.max(0, bavail * bsize - 48 * 1024)));
    let i = 0;
    while (rec.status().state === 'recording' && i < w.steps.length) {
      source.publish(w.steps[i++] as (typeof w.steps)[number]);
      await rec.flush();
    }
    expect(rec.status()).toMatchObject({
      state: 'paused',
      reason: expect.stringMatching(/disk full/),
    });
    expect(warnings.join('\n')).toMatch(/recording paused/);
    const pausedAt = i;

    rmSync(join(mount, 'filler'));
    source.publish(w.steps[i++] as (typeof w.steps)[number]);
    await rec.flush();
    expect(rec.status().state).toBe('recording');
    for (; i < pausedAt + 20; i++) {
      source.publish(w.steps[i] as (typeof w.steps)[number]);
      await rec.flush();
    }
    await rec.close();
    await store.close();

    const again = HistoryStore.open({
      dir,
      owner: { pid: process.pid, startTime: 1 },
      retentionMs: 86_400_000,
      maxBytes: 2 ** 30,
    });
    expect(again.recovery).toEqual({ truncatedBytes: 0, removedFiles: [] });
    const last = w.steps[i - 1] as (typeof w.steps)[number];
    expect(again.stateAt(last.at).state).toEqual(normalizeState(last.state));
    await again.close();
  });
});
