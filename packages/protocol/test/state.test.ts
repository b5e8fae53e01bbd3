import { describe, expect, test } from 'vitest';
import {
  CPU_STEP,
  compareProcesses,
  cpuNews,
  diff,
  EVENT_TYPES,
  execLabel,
  execsByProcess,
  inContainerPid,
  isEvent,
  isNamespaceInit,
  isState,
  isThreadsAnswer,
  normalizeState,
  processKey,
  sharedPidNamespaces,
  sortContainers,
  sortProcesses,
  validateState,
  zombieFate,
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

  test.each([
    // [sent, now, news]
    [0, 0, false],
    [0, 4, false],
    [0, 5, true],
    [3, 0, true],
    [100, 99, false],
    [100, 85, false],
    [100, 80, true],
    [100, 120, true],
    [400, 330, false],
    [400, 320, true],
    [12, 17, true],
    [12, 16, false],
  ])('[S7] cpu %i%% is replaced by %i%%: %s', (sent, now, news) => {
    expect(cpuNews(sent, now)).toBe(news);
  });

  test('[S7] an idle process stays at 0 and a steady one at its value, whatever the jitter', () => {
    let sent = 0;
    const changes: number[] = [];
    for (const now of [0, 1, 0, 2, 1, 0, 0, 3, 0, 97, 100, 98, 101, 99, 100, 96, 0]) {
      if (cpuNews(sent, now)) {
        sent = now;
        changes.push(now);
      }
    }
    expect(changes).toEqual([97, 0]);
    expect(CPU_STEP).toBeGreaterThan(1);
  });

  test('[S8] a threads answer lists threads by TID, each with its in-container TID and CPU', () => {
    const answer = {
      pid: 4425,
      startTime: 99,
      at: 1_700_000_000_000,
      threads: [
        { tid: 4425, nsTid: 1, comm: 'server', state: 'S', cpu: 0 },
        { tid: 4431, nsTid: 7, comm: 'worker', state: 'R', cpu: 97 },
      ],
    };
    expect(isThreadsAnswer(answer)).toBe(true);
    expect(isThreadsAnswer({ ...answer, threads: [{ ...answer.threads[0], ppid: 1 }] })).toBe(
      false,
    );
    expect(isThreadsAnswer({ ...answer, threads: [{ ...answer.threads[0], cpu: -1 }] })).toBe(
      false,
    );
    // A process is no thread: its record does not pass for one.
    expect(isThreadsAnswer({ ...answer, threads: [proc(4425, 99)] })).toBe(false);
  });

  test('[S9] containers in one PID namespace list each other; one in the host’s lists none', () => {
    const sharing = sharedPidNamespaces(
      [
        { id: 'web', pidNamespace: 10 },
        { id: 'sidecar', pidNamespace: 10 },
        { id: 'debug', pidNamespace: 10 },
        { id: 'alone', pidNamespace: 11 },
        { id: 'hosty', pidNamespace: 1 },
        { id: 'hosty2', pidNamespace: 1 },
        { id: 'unknown', pidNamespace: null },
      ],
      1,
    );
    expect(Object.fromEntries(sharing)).toEqual({
      web: { sharesPidNamespaceWith: ['debug', 'sidecar'], hostPidNamespace: false },
      sidecar: { sharesPidNamespaceWith: ['debug', 'web'], hostPidNamespace: false },
      debug: { sharesPidNamespaceWith: ['sidecar', 'web'], hostPidNamespace: false },
      alone: { sharesPidNamespaceWith: [], hostPidNamespace: false },
      hosty: { sharesPidNamespaceWith: [], hostPidNamespace: true },
      hosty2: { sharesPidNamespaceWith: [], hostPidNamespace: true },
      unknown: { sharesPidNamespaceWith: [], hostPidNamespace: false },
    });
  });

  const exec = {
    id: 'd5f6cf120f437475ffea2de33f9032c12ac5440c678bb1d99028d1fd8737f25a',
    command: ['sh', '-c', 'sleep 2; echo'],
    user: '1000',
    tty: false,
    pid: 4500,
    startTime: 9000,
  };

  test('[S10] a session is named by its command, quoted as a shell needs it', () => {
    expect(execLabel(exec)).toBe("exec: sh -c 'sleep 2; echo'");
    expect(execLabel({ command: ['sh', '-c', 'sleep 30'] })).toBe("exec: sh -c 'sleep 30'");
    expect(execLabel({ command: ['top', '-b', '-d', '0.5'] })).toBe('exec: top -b -d 0.5');
    expect(execLabel({ command: ['echo', "it's", ''] })).toBe(`exec: echo 'it'\\''s' ''`);
  });

  test('[S10] a process finds its session by its key; another start time under its PID does not', () => {
    const byKey = execsByProcess([
      container('a', { execs: [exec] }),
      container('b', { execs: [] }),
    ]);
    expect(byKey.get(processKey(exec))).toBe(exec);
    expect(byKey.get(processKey({ pid: 4500, startTime: 9001 }))).toBeUndefined();
    expect(byKey.size).toBe(1);
  });

  test('[S10] sessions travel in their container, closed to other fields', () => {
    const c = container('a', { execs: [exec] });
    expect(validateState(state(1, [proc(4500, 9000)], { containers: [c] }))).toEqual([]);
    const extra = container('a', { execs: [{ ...exec, exitCode: 0 } as typeof exec] });
    expect(isState(state(1, [], { containers: [extra] }))).toBe(false);
    const noUser = { ...exec } as Partial<typeof exec>;
    delete noUser.user;
    expect(
      isState(state(1, [], { containers: [container('a', { execs: [noUser as typeof exec] })] })),
    ).toBe(false);
  });

  test('[S10] a session that starts or ends upserts its container and nothing else', () => {
    const before = state(1, [proc(4500, 9000)], { containers: [container('a'), container('b')] });
    const during = state(2, [proc(4500, 9000)], {
      containers: [container('a', { execs: [exec] }), container('b')],
    });
    const started = diff(before, during);
    expect(started.containers).toEqual({ upserted: [during.containers[0]], removed: [] });
    expect(started.added).toEqual([]);
    expect(started.updated).toEqual([]);
    expect(started.host).toBeUndefined();
    expect(diff(during, { ...during, seq: 3 }).containers.upserted).toEqual([]);
    expect(diff(during, { ...before, seq: 3 }).containers.upserted).toEqual([before.containers[0]]);
  });

  const CID = 'c'.repeat(64);
  const inCtr = (pid: number, nsPid: number, over: Parameters<typeof proc>[2] = {}) =>
    proc(pid, 100 + pid, { containerId: CID, pidNs: 77, nsPids: [pid, nsPid], ...over });
  const shim = proc(4400, 90, {
    comm: 'containerd-shim',
    cmdline: ['/usr/bin/containerd-shim-runc-v2'],
  });
  const sleepInit = inCtr(4425, 1, { ppid: 4400, comm: 'sleep', cmdline: ['sleep', '600'] });

  test('[S11] a docker exec session’s process is reaped by the shim; the container’s PID 1 is not flagged', () => {
    const session = inCtr(4500, 9, { ppid: 4400, comm: 'sh' });
    expect(zombieFate(session, shim, container(CID), false)).toMatchObject({
      reaper: 'shim',
      reaped: true,
    });
    expect(zombieFate(sleepInit, shim, container(CID), false)).toBeNull();
    expect(zombieFate(proc(300, 1, { ppid: 4400 }), shim, undefined, false)).toBeNull();
  });

  test('[S11] an orphan adopted by a PID 1 that does not reap stays a zombie; with --init it is reaped', () => {
    const orphan = inCtr(4600, 12, { ppid: 4425 });
    const fate = zombieFate(orphan, sleepInit, container(CID, { hasInit: false }), true);
    expect(fate).toMatchObject({ reaper: 'namespace-init', reaped: false });
    expect(fate?.text).toContain('stays a zombie until the container stops');
    expect(zombieFate(orphan, sleepInit, container(CID, { hasInit: true }), true)?.reaped).toBe(
      true,
    );
    const shell = { ...sleepInit, comm: 'sh', cmdline: ['sh', '-c', 'x'] };
    expect(zombieFate(orphan, shell, container(CID), true)?.reaped).toBeNull();
    // A child PID 1 started itself is its own business.
    expect(zombieFate(orphan, sleepInit, container(CID), false)).toBeNull();
  });
});
