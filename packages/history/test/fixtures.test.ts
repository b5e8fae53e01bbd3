// The checked-in store was written by scripts/writeFixture.ts in format version 1; this version
// must read it back as it was.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event, State } from '@pidscope/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../src/index.js';

const here = join(import.meta.dirname, 'fixtures');
const expected = JSON.parse(readFileSync(join(here, 'expected.json'), 'utf8')) as {
  range: { from: number; to: number };
  moments: { at: number; state: State }[];
  events: Event[];
};

describe('the fixture store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pidscope-fixture-'));
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  cpSync(join(here, 'store'), dir, { recursive: true });
  const store = HistoryStore.open({
    dir,
    owner: { pid: process.pid, startTime: 0 },
    retentionMs: Number.MAX_SAFE_INTEGER,
    maxBytes: 2 ** 30,
  });

  it('opens whole, over the recorded range, in several segments', () => {
    expect(store.recovery).toEqual({ truncatedBytes: 0, removedFiles: [] });
    expect(store.range()).toMatchObject(expected.range);
    expect(store.layout().length).toBeGreaterThan(1);
  });

  it.each(expected.moments.map((m, i) => [i, m] as const))('replays moment %i', (_i, m) => {
    expect(store.stateAt(m.at)).toEqual({ state: m.state, recordedAt: m.at });
  });

  it('gives back every event', () => {
    expect(store.events({ limit: 10_000 })).toEqual({ events: expected.events, more: false });
  });
});
