import { mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  NAMESPACE_LINKS,
  ProcfsError,
  parseNsLink,
  readPidNamespaces,
  readPidTasks,
  readTaskIds,
} from '../src/index.js';

// A synthetic /proc/<pid>/task: threads of a container process, one named by the program.
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'pidscope-tasks-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function task(pid: number, tid: number, nsTid: number, comm: string, utime: number, stime: number) {
  const dir = join(root, String(pid), 'task', String(tid));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'stat'),
    `${tid} (${comm}) S 1 1 1 0 -1 4194304 0 0 0 0 ${utime} ${stime} 0 0 20 0 3 0 5000 0 2 18446744073709551615 1 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0\n`,
  );
  writeFileSync(
    join(dir, 'status'),
    `Name:\t${comm}\nState:\tS (sleeping)\nTgid:\t${pid}\nPid:\t${tid}\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nNSpid:\t${tid}\t${nsTid}\nThreads:\t3\n`,
  );
}

describe('a process’s threads', () => {
  it('reads each task’s TID, in-container TID, name, state and CPU ticks, by TID', () => {
    task(4425, 4425, 1, 'server', 10, 5);
    task(4425, 4431, 7, 'worker (1)', 300, 20);
    task(4425, 4427, 3, 'server', 0, 0);
    mkdirSync(join(root, '4425', 'task', 'not-a-tid'));
    expect(readTaskIds(4425, root)).toEqual([4425, 4427, 4431]);
    expect(readPidTasks(4425, root)).toEqual([
      { tid: 4425, nsTids: [4425, 1], comm: 'server', state: 'S', cpuTicks: 15, startTime: 5000 },
      { tid: 4427, nsTids: [4427, 3], comm: 'server', state: 'S', cpuTicks: 0, startTime: 5000 },
      {
        tid: 4431,
        nsTids: [4431, 7],
        comm: 'worker (1)',
        state: 'S',
        cpuTicks: 320,
        startTime: 5000,
      },
    ]);
  });

  it('is null for a process that is gone, and leaves out a thread that ended mid-read', () => {
    expect(readPidTasks(999, root)).toBeNull();
    task(50, 50, 50, 'main', 0, 0);
    mkdirSync(join(root, '50', 'task', '51'));
    expect(readPidTasks(50, root)?.map((t) => t.tid)).toEqual([50]);
  });
});

describe('namespace links', () => {
  it.each([
    ['net:[4026531840]', 'net', 4026531840],
    ['cgroup:[4026531835]', 'cgroup', 4026531835],
  ])('reads %s as the %s inode', (link, kind, inode) => {
    expect(parseNsLink(link, kind)).toBe(inode);
  });

  it('refuses a link of another kind, or not a namespace at all, naming the file', () => {
    expect(() => parseNsLink('mnt:[1]', 'net', '/proc/1/ns/net')).toThrow(/\/proc\/1\/ns\/net/);
    expect(() => parseNsLink('/dev/null', 'net')).toThrow(ProcfsError);
  });

  it('reads every kind of this process, as readlink shows them', () => {
    const ns = readPidNamespaces(process.pid);
    for (const kind of NAMESPACE_LINKS) {
      expect(`${kind}:[${ns?.[kind]}]`).toBe(readlinkSync(`/proc/${process.pid}/ns/${kind}`));
    }
    expect(readPidNamespaces(999_999_999)).toBeNull();
  });
});
