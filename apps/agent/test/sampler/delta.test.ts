import { execFileSync } from 'node:child_process';
import {
  closeSync,
  constants,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostHeadroom, ScanResult } from '@pidscope/procfs';
import { testRecord } from '@pidscope/protocol/testing';
import { describe, expect, it } from 'vitest';
import { LiveModel } from '../../src/model/liveModel.js';
import { sample } from '../../src/sampler/sample.js';
import { Sampler, SamplerError } from '../../src/sampler/sampler.js';
import { waitFor } from '../helpers/app.js';

const host = {} as HostHeadroom;
/** A scanner that answers with the given scans, one per call. */
const scans = (...results: Omit<ScanResult, 'at' | 'durationMs' | 'vanished'>[]) => ({
  scan: (): ScanResult => ({
    ...(results.shift() as Omit<ScanResult, 'at' | 'durationMs' | 'vanished'>),
    at: 1,
    durationMs: 1,
    vanished: 0,
  }),
});
const noCgroups = { readPids: () => null };
const headroom = () => host;
const noDocker = {
  status: { available: false, reason: 'none', version: null },
  containers: new Map(),
};

describe('samples', () => {
  it('send only new and changed records and the keys of vanished ones, and the model holds the full list', () => {
    const a = testRecord({ pid: 1 });
    const b = testRecord({ pid: 2 });
    const b2 = { ...b, state: 'Z' };
    const c = testRecord({ pid: 3 });
    const scanner = scans(
      { processes: [a, b], changed: [a, b], removed: [] },
      { processes: [a, b2, c], changed: [b2, c], removed: [] },
      { processes: [b2, c], changed: [], removed: [{ pid: 1, startTime: a.startTime }] },
    );
    const model = new LiveModel('vm', noDocker.status);
    const next = (full = false) => {
      const s = sample(scanner, noCgroups, '/proc', headroom, full);
      model.applySample(structuredClone(s), noDocker);
      return s;
    };
    const pids = () => model.state.processes.map((p) => p.pid);

    const first = next(true);
    expect(first.changed).toEqual([a, b]);
    expect(first.full).toBe(true);
    expect(pids()).toEqual([1, 2]);

    const second = next();
    expect(second.changed).toEqual([b2, c]);
    expect(second.removed).toEqual([]);
    expect(pids()).toEqual([1, 2, 3]);
    expect(model.findProcess(2)?.state).toBe('Z');

    const third = next();
    expect(third.changed).toEqual([]);
    expect(third.removed).toEqual([`1:${a.startTime}`]);
    expect(pids()).toEqual([2, 3]);
  });

  it('a full sample carries every process of the scan, whatever changed', () => {
    const a = testRecord({ pid: 1 });
    const b = testRecord({ pid: 2 });
    const s = sample(
      scans({ processes: [a, b], changed: [b], removed: [{ pid: 9, startTime: 9 }] }),
      noCgroups,
      '/proc',
      headroom,
      true,
    );
    expect(s).toMatchObject({ changed: [a, b], removed: [], full: true });
  });

  it('a real worker scan of /proc finds this process', async () => {
    const s = new Sampler('/proc');
    try {
      const first = await s.scan();
      const second = await s.scan();
      const third = await s.scan(true);
      // The first sample of a worker is full; later ones carry changes only, unless asked.
      expect(first.full).toBe(true);
      expect(second.full).toBe(false);
      expect(third.full).toBe(true);
      for (const r of [first, third]) {
        expect(r.changed.find((p) => p.pid === process.pid)?.ppid).toBe(process.ppid);
      }
      for (const r of [first, second, third]) expect(r.host.pidMax).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });
});

describe('a sampler after a failed scan', () => {
  it('sends every process with the next sample, since its scanner moved on without the model', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pidscope-failing-proc-'));
    const stat = (body: string) => writeFileSync(join(root, '1', 'stat'), body);
    const good = `1 (init) S 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 2 18446744073709551615 4096 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0\n`;
    mkdirSync(join(root, '1', 'ns'), { recursive: true });
    mkdirSync(join(root, 'sys', 'kernel'), { recursive: true });
    stat(good);
    writeFileSync(
      join(root, '1', 'status'),
      'Name:\tinit\nState:\tS (sleeping)\nTgid:\t1\nPid:\t1\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nNSpid:\t1\nThreads:\t1\n',
    );
    writeFileSync(join(root, '1', 'cmdline'), 'init\0');
    writeFileSync(join(root, '1', 'cgroup'), '0::/\n');
    symlinkSync('pid:[4026531836]', join(root, '1', 'ns', 'pid'));
    writeFileSync(join(root, 'sys', 'kernel', 'pid_max'), '32768\n');
    writeFileSync(join(root, 'sys', 'kernel', 'threads-max'), '60000\n');
    writeFileSync(join(root, 'loadavg'), '0.00 0.00 0.00 1/50 1\n');
    const s = new Sampler(root);
    try {
      expect((await s.scan()).changed.map((p) => p.pid)).toEqual([1]);
      expect(await s.scan()).toMatchObject({ changed: [], full: false });
      stat('1 (broken S 1\n');
      const err = await s.scan().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SamplerError);
      expect((err as SamplerError).fatal).toBe(false);
      stat(good);
      const after = await s.scan();
      expect(after.full).toBe(true);
      expect(after.changed.map((p) => p.pid)).toEqual([1]);
    } finally {
      await s.close();
      rmSync(root, { recursive: true, force: true });
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
