import { afterAll, describe, expect, it } from 'vitest';
import { ProcScanner, readProcess } from '../../src/index.js';
import { childrenOf, descendants, ProcessPool, stateOf, waitFor } from '../support/live.js';

const pool = new ProcessPool();
afterAll(() => pool.stopAll());

describe('live PID namespaces (unshare --pid --fork --mount-proc)', () => {
  it('gives a process in a new namespace its NSpid chain, host PID first', async () => {
    const unshare = pool.start('unshare', [
      '--pid',
      '--fork',
      '--mount-proc',
      '--kill-child',
      'sleep',
      '600',
    ]).pid as number;
    const inner = await waitFor('the namespace init', () =>
      childrenOf(unshare).find((c) => stateOf(c) === 'S'),
    );
    pool.track(inner);
    const scanner = new ProcScanner();
    const { processes } = scanner.scan();
    scanner.close();
    const record = processes.find((p) => p.pid === inner);
    const outer = processes.find((p) => p.pid === unshare);
    expect(record).toMatchObject({ pid: inner, ppid: unshare, comm: 'sleep', nsPids: [inner, 1] });
    expect(record?.pidNs).not.toBeNull();
    expect(record?.pidNs).not.toBe(outer?.pidNs);
    expect(readProcess(inner)?.nsPids).toEqual([inner, 1]);

    // The same code reads the namespace's own procfs: there the sleep is PID 1.
    const inside = new ProcScanner({ root: `/proc/${inner}/root/proc` });
    const view = inside.scan().processes;
    inside.close();
    expect(view.map((p) => p.pid)).toEqual([1]);
    expect(view[0]).toMatchObject({ pid: 1, ppid: 0, comm: 'sleep', nsPids: [1] });
    expect(view[0]?.startTime).toBe(record?.startTime);
  });

  it('reads a two-level nested namespace: three NSpid levels', async () => {
    const unshare = pool.start('unshare', [
      '--pid',
      '--fork',
      '--mount-proc',
      '--kill-child',
      'sh',
      '-c',
      'unshare --pid --fork --mount-proc --kill-child sleep 600; exit 0',
    ]).pid as number;
    const nsPidsOf = (pid: number) => readProcess(pid)?.nsPids ?? [];
    const innermost = await waitFor('the innermost sleep', () =>
      descendants(unshare).find((p) => nsPidsOf(p).length === 3 && stateOf(p) === 'S'),
    );
    for (const p of descendants(unshare)) pool.track(p);
    const levelOne = descendants(unshare).find((p) => {
      const chain = nsPidsOf(p);
      return chain.length === 2 && chain[1] === 1;
    });

    const scanner = new ProcScanner();
    const { processes } = scanner.scan();
    scanner.close();
    const inner = processes.find((p) => p.pid === innermost);
    expect(inner?.nsPids).toHaveLength(3);
    expect(inner?.nsPids[0]).toBe(innermost);
    expect(inner?.nsPids[2]).toBe(1);
    const first = processes.find((p) => p.pid === levelOne);
    expect(first?.nsPids).toEqual([levelOne, 1]);
    expect(first?.comm).toBe('sh');
    const host = processes.find((p) => p.pid === unshare);
    expect(new Set([host?.pidNs, first?.pidNs, inner?.pidNs]).size).toBe(3);

    // From the first level's procfs, the innermost sleep has two levels.
    const middle = new ProcScanner({ root: `/proc/${levelOne}/root/proc` });
    const view = middle.scan().processes;
    middle.close();
    const innerSeen = view.find((p) => p.startTime === inner?.startTime && p.comm === 'sleep');
    expect(innerSeen?.nsPids).toEqual(inner?.nsPids.slice(1));
  });
});
