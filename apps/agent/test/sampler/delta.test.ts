import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostHeadroom, ProcessRecord } from '@pidscope/procfs';
import { describe, expect, it } from 'vitest';
import type { SampleResult } from '../../src/sampler/messages.js';
import { DeltaDecoder, DeltaEncoder } from '../../src/sampler/sample.js';
import { Sampler, SamplerError } from '../../src/sampler/sampler.js';
import { waitFor } from '../helpers/app.js';
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

describe('a stuck sampler', () => {
  it('fails its scan as fatal when /proc blocks, instead of hanging the agent', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pidscope-stuck-proc-'));
    mkdirSync(join(root, '1'));
    // Opening a FIFO for reading blocks until a writer comes: a read that never returns.
    execFileSync('mkfifo', [join(root, '1', 'stat')]);
    const s = new Sampler(root, { scanTimeoutMs: 2000 });
    try {
      const err = await s.scan().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SamplerError);
      expect((err as SamplerError).fatal).toBe(true);
      expect((err as SamplerError).message).toMatch(/stuck/);
      await expect(s.scan()).rejects.toThrow(/stuck/);
    } finally {
      // Let the blocked open return (once the worker got there) so the thread can be terminated.
      await waitFor(() => {
        try {
          closeSync(openSync(join(root, '1', 'stat'), constants.O_WRONLY | constants.O_NONBLOCK));
          return true;
        } catch {
          return false;
        }
      }, 'the worker to block on the FIFO');
      await s.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
