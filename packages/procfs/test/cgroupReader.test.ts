import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testRecord } from '@pidscope/protocol/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CgroupReader, type ProcessRecord } from '../src/index.js';

// Pure cgroup v2 is not what this machine runs (hybrid v1), so its layout is checked on a
// synthetic tree; the live tests cover v1 with real containers.

const ID = 'd'.repeat(64);
let cgroupRoot: string;
beforeEach(() => {
  cgroupRoot = mkdtempSync(join(tmpdir(), 'pidscope-cgroup2-'));
});
afterEach(() => rmSync(cgroupRoot, { recursive: true, force: true }));

function group(path: string, files: Record<string, string>): void {
  const dir = join(cgroupRoot, path);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

const record = (over: Partial<ProcessRecord>): ProcessRecord => ({
  ...testRecord({ pid: 100, nsPids: [100, 1], containerId: ID, runtime: 'docker' }),
  pidsCgroup: null,
  unifiedCgroup: `/system.slice/docker-${ID}.scope`,
  ...over,
});

const V2_MOUNTINFO = '30 22 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n';

describe('CgroupReader on a pure cgroup v2 layout', () => {
  beforeEach(() => {
    group('', { 'cgroup.controllers': 'cpu io memory pids\n' });
    group('system.slice', {
      'pids.max': '100\n',
      'pids.current': '40\n',
      'pids.events': 'max 0\n',
    });
    group(`system.slice/docker-${ID}.scope`, {
      'pids.max': 'max\n',
      'pids.current': '3\n',
      'pids.peak': '9\n',
      'pids.events': 'max 4\n',
    });
  });

  it('reads the container through its 0:: path, capped by an ancestor', () => {
    const reader = new CgroupReader({ mountinfo: V2_MOUNTINFO, cgroupRoot });
    expect(reader.readPids(record({}))).toEqual({
      path: `/system.slice/docker-${ID}.scope`,
      dir: join(cgroupRoot, `system.slice/docker-${ID}.scope`),
      version: 2,
      current: 3,
      max: null,
      effectiveMax: 100,
      forkFailures: 4,
      peak: 9,
    });
  });

  it('keeps a zombie’s path (v2 does not reset it)', () => {
    const reader = new CgroupReader({ mountinfo: V2_MOUNTINFO, cgroupRoot });
    expect(reader.readPids(record({ state: 'Z' }))?.current).toBe(3);
  });

  it('returns null in the root cgroup and for a cgroup that is gone', () => {
    const reader = new CgroupReader({ mountinfo: V2_MOUNTINFO, cgroupRoot });
    expect(reader.readPids(record({ unifiedCgroup: '/' }))).toBeNull();
    expect(reader.readPids(record({ unifiedCgroup: '/system.slice/gone.scope' }))).toBeNull();
    expect(reader.readPids(record({ unifiedCgroup: null }))).toBeNull();
  });

  it('maps paths below the mount root of a cgroup namespace', () => {
    const mountinfo = '30 22 0:27 /system.slice /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n';
    const reader = new CgroupReader({ mountinfo, cgroupRoot: join(cgroupRoot, 'system.slice') });
    const found = reader.readPids(record({}));
    expect(found?.dir).toBe(join(cgroupRoot, `system.slice/docker-${ID}.scope`));
    // The mount root (system.slice) is the last ancestor visible, and it caps the container.
    expect(found?.effectiveMax).toBe(100);
    expect(reader.readPids(record({ unifiedCgroup: '/user.slice/other.scope' }))).toBeNull();
  });

  it('finds the layout by probing cgroupRoot when mountinfo lists no cgroup mount', () => {
    const reader = new CgroupReader({
      mountinfo: '26 1 254:0 / / rw - ext4 /dev/vda rw\n',
      cgroupRoot,
    });
    expect(reader.hierarchies().v2).toEqual({ version: 2, dir: cgroupRoot, root: '/' });
    expect(reader.readPidsAt(`/system.slice/docker-${ID}.scope`)?.forkFailures).toBe(4);
  });
});

describe('CgroupReader on a v1 layout', () => {
  it('reads the pids hierarchy, and a zombie through its 0:: path', () => {
    const mountinfo =
      '38 30 0:35 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n';
    group('pids/docker', { 'pids.max': 'max\n', 'pids.current': '5\n' });
    group(`pids/docker/${ID}`, {
      'pids.max': '8\n',
      'pids.current': '8\n',
      'pids.events': 'max 12\n',
    });
    const reader = new CgroupReader({ mountinfo, cgroupRoot });
    const alive = record({ pidsCgroup: `/docker/${ID}`, unifiedCgroup: `/docker/${ID}` });
    expect(reader.readPids(alive)).toMatchObject({
      version: 1,
      max: 8,
      effectiveMax: 8,
      current: 8,
      forkFailures: 12,
      peak: null,
    });
    const zombie = record({ state: 'Z', pidsCgroup: '/', unifiedCgroup: `/docker/${ID}` });
    expect(reader.readPids(zombie)).toEqual(reader.readPids(alive));
    expect(reader.readPids(record({ pidsCgroup: '/', unifiedCgroup: '/' }))).toBeNull();
  });
});
