import type { HostHeadroom, ProcessRecord } from '@pidscope/procfs';
import { describe, expect, it } from 'vitest';
import type { SampleResult } from '../../src/sampler/messages.js';
import { DeltaDecoder, DeltaEncoder } from '../../src/sampler/sample.js';
import { Sampler } from '../../src/sampler/sampler.js';
import { proc } from '../helpers/fixtures.js';

const host = {} as HostHeadroom;
const rec = (pid: number, extra: Partial<ProcessRecord> = {}): ProcessRecord => {
  const { zombieSince: _z, ...r } = proc({ pid });
  return { ...r, ...extra };
};
const result = (processes: ProcessRecord[]): SampleResult => ({
  processes,
  at: 1,
  durationMs: 1,
  vanished: 0,
  host,
  cgroups: {},
});

describe('sample deltas', () => {
  it('send only new and changed records and the keys of vanished ones, and decode to the full list', () => {
    const enc = new DeltaEncoder();
    const dec = new DeltaDecoder();
    const a = rec(1);
    const b = rec(2);
    const first = enc.encode(result([a, b]));
    expect(first.changed).toEqual([a, b]);
    expect(dec.decode(structuredClone(first)).processes).toEqual([a, b]);

    const b2 = { ...b, state: 'Z' };
    const c = rec(3);
    const second = enc.encode(result([a, b2, c]));
    expect(second.changed).toEqual([b2, c]);
    expect(second.removed).toEqual([]);
    expect(dec.decode(structuredClone(second)).processes).toEqual([a, b2, c]);

    const third = enc.encode(result([b2, c]));
    expect(third.changed).toEqual([]);
    expect(third.removed).toEqual([`1:${a.startTime}`]);
    expect(dec.decode(structuredClone(third)).processes).toEqual([b2, c]);
  });

  it('a real worker scan of /proc finds this process', async () => {
    const s = new Sampler('/proc');
    try {
      const first = await s.scan();
      const second = await s.scan();
      for (const r of [first, second]) {
        expect(r.processes.find((p) => p.pid === process.pid)?.ppid).toBe(process.ppid);
        expect(r.host.pidMax).toBeGreaterThan(0);
      }
    } finally {
      await s.close();
    }
  });
});
