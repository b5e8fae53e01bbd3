// The checked-in store was written by scripts/writeFixture.ts in format version 1, in protocol
// version 1; this version must read it back as it was, in the current protocol ([H10]).
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Event, isState, type State } from '@pidscope/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../src/index.js';

const here = join(import.meta.dirname, 'fixtures');
const expected = JSON.parse(readFileSync(join(here, 'expected.json'), 'utf8')) as {
  range: { from: number; to: number };
  moments: { at: number; state: State }[];
  events: Event[];
};

describe('the fixture store', () => {
  // Opened in beforeAll: a suite whose tests are all filtered out runs no hook to remove its copy.
  let dir = '';
  let store: HistoryStore;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pidscope-fixture-'));
    cpSync(join(here, 'store'), dir, { recursive: true });
    store = HistoryStore.open({
      dir,
      owner: { pid: process.pid, startTime: 0 },
      retentionMs: Number.MAX_SAFE_INTEGER,
      maxBytes: 2 ** 30,
    });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens whole, over the recorded range, in several segments', () => {
    expect(store.recovery).toEqual({ truncatedBytes: 0, removedFiles: [] });
    expect(store.range()).toMatchObject(expected.range);
    expect(store.layout().length).toBeGreaterThan(1);
  });

  it.each(expected.moments.map((m, i) => [i, m] as const))('replays moment %i', (_i, m) => {
    const got = store.stateAt(m.at);
    expect(got).toEqual({ state: inCurrentProtocol(m.state), recordedAt: m.at });
    expect(isState(got.state)).toBe(true);
  });

  it('holds containers recorded under their old names', () => {
    // Otherwise the moments above would prove nothing about the upgrade.
    const recorded = expected.moments.flatMap((m) => m.state.containers) as unknown[];
    expect(recorded.length).toBeGreaterThan(0);
    expect(recorded.every((c) => typeof (c as { pidNs: unknown }).pidNs === 'number')).toBe(true);
  });

  it('gives back every event', () => {
    expect(store.events({ limit: 10_000 })).toEqual({ events: expected.events, more: false });
  });
});

/** What a state recorded in protocol 1 reads as now: the fields since then, written out. */
function inCurrentProtocol(recorded: State): State {
  const none = { net: null, mnt: null, ipc: null, uts: null, user: null, cgroup: null };
  const containers = recorded.containers.map((c) => {
    const { pidNs, ...rest } = c as typeof c & { pidNs: number };
    return {
      ...rest,
      etaSeconds: null,
      pidNamespace: pidNs,
      sharesPidNamespaceWith: [] as string[],
      hostPidNamespace: false,
      namespaces: none,
      execs: [],
    };
  });
  // [S9] on what was recorded: containers with one PID namespace name each other.
  for (const c of containers) {
    c.sharesPidNamespaceWith = containers
      .filter((o) => o.id !== c.id && o.pidNamespace === c.pidNamespace)
      .map((o) => o.id)
      .sort();
  }
  return {
    ...recorded,
    host: {
      ...recorded.host,
      etaSeconds: null,
      source: 'polling',
      sourceReason: 'recorded before the agent reported its source',
      namespaces: none,
      pidNamespace: null,
    },
    containers,
    processes: recorded.processes.map((p) => ({ ...p, cpu: 0 })),
  };
}
