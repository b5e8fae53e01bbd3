import { describe, expect, test } from 'vitest';
import {
  compareProcesses,
  EVENT_TYPES,
  inContainerPid,
  isEvent,
  isNamespaceInit,
  isState,
  normalizeState,
  processKey,
  sortContainers,
  sortProcesses,
  validateState,
} from '../src/index.js';
import { container, host, proc, state } from './fixtures.js';

describe('state', () => {
  test('[S1] processKey is "pid:startTime"', () => {
    expect(processKey({ pid: 4425, startTime: 1_234_567 })).toBe('4425:1234567');
    expect(processKey(proc(1, 0))).toBe('1:0');
  });

  test('[S1] duplicate identities and container ids are reported', () => {
    const s = state(1, [proc(1, 5), proc(1, 5)], { containers: [container('a'), container('a')] });
    expect(validateState(s)).toEqual([
      'process 1:5 appears more than once',
      'container a appears more than once',
    ]);
    expect(isState(s)).toBe(false);
  });

  test('[S1] the same pid with two start times is two processes', () => {
    expect(validateState(state(1, [proc(7, 10), proc(7, 99)]))).toEqual([]);
  });

  test('[S2] processes sort by pid, then startTime; containers by id', () => {
    const ps = [proc(20, 9), proc(3, 1), proc(20, 2), proc(100, 0)];
    expect(sortProcesses(ps).map(processKey)).toEqual(['3:1', '20:2', '20:9', '100:0']);
    expect(ps.map(processKey)).toEqual(['20:9', '3:1', '20:2', '100:0']);
    expect(
      sortContainers([container('b'), container('B'), container('a')]).map((c) => c.id),
    ).toEqual(['B', 'a', 'b']);
    expect(compareProcesses({ pid: 2, startTime: 0 }, { pid: 10, startTime: 0 })).toBeLessThan(0);
  });

  test('[S2] normalizeState sorts without changing its input, and validateState checks order', () => {
    const s = state(1, [proc(20, 9), proc(3, 1)], { containers: [container('b'), container('a')] });
    expect(validateState(s)).toEqual([
      'process 3:1 is out of order (after 20:9)',
      'container a is out of order (after b)',
    ]);
    const n = normalizeState(s);
    expect(validateState(n)).toEqual([]);
    expect(n.processes.map(processKey)).toEqual(['3:1', '20:9']);
    expect(s.processes.map(processKey)).toEqual(['20:9', '3:1']);
  });

  test('[S4] zombies and kernel threads are valid processes', () => {
    const s = state(1, [
      proc(2, 0, { comm: 'kthreadd', kernelThread: true, cmdline: [], ppid: 0, state: 'S' }),
      proc(20, 900, { state: 'Z', cmdline: [], zombieSince: 1_700_000_000_000 }),
    ]);
    expect(validateState(s)).toEqual([]);
  });

  test('[S6] host.source is proc-connector or polling, and a polling host says why', () => {
    expect(validateState(state(1, []))).toEqual([]);
    const polling = { ...host, source: 'polling' as const, sourceReason: 'no CAP_NET_ADMIN' };
    expect(validateState(state(1, [], { host: polling }))).toEqual([]);
    const unknown = state(1, [], { host: { ...host, source: 'inotify' as 'polling' } });
    expect(validateState(unknown)[0]).toMatch(/^\/host\/source /);
    const { sourceReason: _, ...noReason } = host;
    expect(isState(state(1, [], { host: noReason as typeof host }))).toBe(false);
  });

  test('validateState reports schema errors with their paths', () => {
    expect(validateState({ seq: -1 })[0]).toMatch(/^\/ must have required properties|\/seq/);
    const bad = state(1, [{ ...proc(1, 1), pid: 1.5 }]);
    expect(validateState(bad)).toEqual(['/processes/0/pid must be integer']);
    expect(isState(null)).toBe(false);
  });
});

describe('NSpid chain', () => {
  test('[S5] inContainerPid is the innermost NSpid of a nested process, null on the host', () => {
    expect(inContainerPid(proc(4425, 1, { nsPids: [4425, 1] }))).toBe(1);
    expect(inContainerPid(proc(4430, 1, { nsPids: [4430, 12, 7] }))).toBe(7);
    expect(inContainerPid(proc(300, 1))).toBeNull();
    expect(inContainerPid({ nsPids: [] })).toBeNull();
  });

  test('[S5] isNamespaceInit is true for the PID 1 of a nested namespace only', () => {
    expect(isNamespaceInit(proc(4425, 1, { nsPids: [4425, 1] }))).toBe(true);
    expect(isNamespaceInit(proc(4426, 1, { nsPids: [4426, 9, 1] }))).toBe(true);
    expect(isNamespaceInit(proc(4430, 1, { nsPids: [4430, 7] }))).toBe(false);
    // The host's own PID 1 is not a nested namespace's init.
    expect(isNamespaceInit(proc(1, 1, { nsPids: [1] }))).toBe(false);
  });
});

describe('event types', () => {
  test('EVENT_TYPES lists the types an event may have, and no other', () => {
    const event = (type: string) => ({
      id: 1,
      type,
      at: 1,
      pid: 1,
      startTime: 1,
      containerId: null,
      message: '',
    });
    expect(EVENT_TYPES).toContain('zombie-appeared');
    for (const type of EVENT_TYPES) expect(isEvent(event(type))).toBe(true);
    expect(isEvent(event('zombie-vanished'))).toBe(false);
  });
});
