import { signalMaskHas } from '@pidscope/procfs';
import type { Process } from '@pidscope/protocol';
import { describe, expect, it } from 'vitest';
import { tokenId } from '../../src/actions/auth.js';
import { refuse } from '../../src/actions/guard.js';
import { isKnownSubreaper, type ProcessView, previewSignal } from '../../src/actions/preview.js';
import { signalInfo } from '../../src/actions/signals.js';
import type { Target } from '../../src/actions/target.js';
import { CID, NS, proc, web } from './world.js';

function target(p: Process, extra: Partial<Target> = {}): Target {
  return {
    pid: p.pid,
    tgid: p.pid,
    ppid: p.ppid,
    state: p.state,
    comm: p.comm,
    cmdline: p.cmdline,
    startTime: p.startTime,
    kernelThread: p.kernelThread,
    nsPids: p.nsPids,
    sigCgt: '0000000000000000',
    sigIgn: '0000000000000000',
    sigBlk: '0000000000000000',
    ...extra,
  };
}

/** A container: PID 1 `init` (comm given), a middle `sh` with a zombie and a live child. */
function tree(initComm: string, cmdline: string[] = [initComm], middleCmd?: string[]) {
  const init = proc({ pid: 100, ppid: 90, comm: initComm, cmdline, nsPids: [100, 1] });
  const middle = proc({
    pid: 110,
    ppid: 100,
    comm: 'sh',
    nsPids: [110, 7],
    cmdline: middleCmd ?? ['sh'],
  });
  const zombie = proc({
    pid: 120,
    ppid: 110,
    comm: 'sleep',
    state: 'Z',
    cmdline: [],
    nsPids: [120, 9],
  });
  const child = proc({ pid: 121, ppid: 110, comm: 'sleep', nsPids: [121, 10] });
  const all = [init, middle, zombie, child];
  const container = web(initComm, 4);
  const view: ProcessView = {
    findProcess: (pid) => all.find((p) => p.pid === pid),
    children: (p) => all.filter((c) => c.ppid === p.pid),
    namespaceInit: (ns) => (ns === NS ? init : undefined),
    container: (id) => (id === CID ? container : undefined),
  };
  return { init, middle, zombie, child, view };
}

describe('previewSignal', () => {
  it('killing the parent of a zombie under a non-reaping PID 1: the zombie will stay', () => {
    const { middle, view } = tree('sleep');
    const p = previewSignal(target(middle), signalInfo('SIGKILL'), view);
    expect(p.effect).toBe('terminate');
    expect(p.text).toContain(
      'Zombie 120 will be reparented to PID 1 (sleep) of container web, which does not reap: it will stay',
    );
    expect(p.text).toContain(
      'Its child 121 (sleep) will be adopted by PID 1 (sleep) of container web',
    );
    expect(p.orphans.map((o) => o.fate)).toEqual(['stays', 'adopted']);
  });

  it('under docker-init: the zombie will disappear', () => {
    const { middle, view } = tree('docker-init', ['/sbin/docker-init', '--', 'sh']);
    const p = previewSignal(target(middle), signalInfo('SIGTERM'), view);
    expect(p.text).toContain(
      'to PID 1 (docker-init) of container web, which reaps: it will disappear',
    );
  });

  it('under a shell PID 1: it may stay', () => {
    const { middle, view } = tree('sh');
    const p = previewSignal(target(middle), signalInfo('SIGTERM'), view);
    expect(p.orphans[0]?.fate).toBe('may-stay');
  });

  it('a subreaper between the parent and PID 1 adopts first', () => {
    const { init, middle, zombie, view } = tree('sleep');
    const tini = proc({
      pid: 105,
      ppid: 100,
      comm: 'docker-init',
      cmdline: ['/sbin/docker-init', '-s', '--', 'sh'],
      nsPids: [105, 3],
    });
    const moved = { ...middle, ppid: 105 };
    const all = [init, tini, moved, zombie];
    const v: ProcessView = {
      ...view,
      findProcess: (pid) => all.find((p) => p.pid === pid),
      children: (p) => all.filter((c) => c.ppid === p.pid),
    };
    const p = previewSignal(target(moved), signalInfo('SIGKILL'), v);
    expect(p.orphans[0]?.newParent).toMatchObject({ pid: 105, kind: 'subreaper', reaps: true });
    expect(p.text).toContain('reparented to subreaper 105 (docker-init), which reaps');
  });

  it('a zombie cannot be killed: it names the parent', () => {
    const { zombie, view } = tree('sleep');
    const p = previewSignal(target(zombie), signalInfo('SIGKILL'), view);
    expect(p.effect).toBe('none');
    expect(p.text).toContain('cannot be killed');
    expect(p.text).toContain('parent 110 (sh)');
  });

  it("the container's PID 1: SIGTERM without a handler is dropped, SIGKILL stops the container", () => {
    const { init, view } = tree('sleep');
    expect(previewSignal(target(init), signalInfo('SIGTERM'), view).effect).toBe('ignored');
    const kill = previewSignal(target(init), signalInfo('SIGKILL'), view);
    expect(kill.effect).toBe('stops-container');
    expect(kill.orphans.every((o) => o.fate === 'killed')).toBe(true);
    // SIGSTOP from the host is forced; SIGCONT resumes it (checked live: state T, then S).
    expect(previewSignal(target(init), signalInfo('SIGSTOP'), view).effect).toBe('stop');
    const cont = previewSignal(target(init, { state: 'T' }), signalInfo('SIGCONT'), view);
    expect(cont.effect).toBe('continue');
    // With a handler for SIGTERM (bit 15 of SigCgt) the program decides.
    const handled = previewSignal(
      target(init, { sigCgt: '0000000000004000' }),
      signalInfo('SIGTERM'),
      view,
    );
    expect(handled.effect).toBe('handled');
  });

  it('an ignored signal (SigIgn) does nothing; SIGKILL cannot be ignored', () => {
    const { middle, view } = tree('sleep');
    const t = target(middle, { sigIgn: '0000000000004000' });
    expect(previewSignal(t, signalInfo('SIGTERM'), view).effect).toBe('ignored');
    expect(previewSignal(t, signalInfo('SIGKILL'), view).effect).toBe('terminate');
  });
});

describe('guards and parsing', () => {
  const base = target(proc({ pid: 500, ppid: 400, comm: 'x' }));
  const ctx = { selfPid: 42, ancestors: [41, 1] };

  it.each([
    [{ pid: 1 }, 'HOST_INIT'],
    [{ kernelThread: true, comm: 'kthreadd' }, 'KERNEL_THREAD'],
    [{ tgid: 499 }, 'NOT_THREAD_GROUP_LEADER'],
    [{ pid: 42, tgid: 42 }, 'AGENT_ITSELF'],
    [{ pid: 41, tgid: 41 }, 'AGENT_ANCESTOR'],
    [{ comm: 'dockerd' }, 'CONTAINER_RUNTIME'],
    [{ comm: 'containerd-shim' }, 'CONTAINER_RUNTIME'],
    [{ comm: 'exe', cmdline: ['/usr/bin/containerd-shim-runc-v2'] }, 'CONTAINER_RUNTIME'],
    [{ comm: 'runc' }, 'CONTAINER_RUNTIME'],
  ] as [Partial<Target>, string][])('refuses %o with %s', (over, code) => {
    expect(refuse({ ...base, ...over }, ctx)?.code).toBe(code);
  });

  it('lets an ordinary process through', () => {
    expect(refuse(base, ctx)).toBeNull();
  });

  it('reads signal masks bit by bit', () => {
    expect(signalMaskHas('0000000000004000', 15)).toBe(true);
    expect(signalMaskHas('0000000000004000', 9)).toBe(false);
    expect(signalMaskHas('0000000000000001', 1)).toBe(true);
    expect(signalMaskHas(null, 1)).toBe(false);
  });

  it('knows subreapers by how they run', () => {
    expect(isKnownSubreaper({ comm: 'tini', cmdline: ['tini', '-s', '--', 'x'] })).toBe(true);
    expect(
      isKnownSubreaper({ comm: 'docker-init', cmdline: ['/sbin/docker-init', '--', 'x', '-s'] }),
    ).toBe(false);
    expect(
      isKnownSubreaper({ comm: 'containerd-shim', cmdline: ['/usr/bin/containerd-shim-runc-v2'] }),
    ).toBe(true);
    expect(isKnownSubreaper({ comm: 'systemd', cmdline: ['/lib/systemd/systemd', '--user'] })).toBe(
      true,
    );
    expect(isKnownSubreaper({ comm: 'sleep', cmdline: ['sleep', '1'] })).toBe(false);
  });

  it('names a token by a hash', () => {
    expect(tokenId('secret-token')).toMatch(/^token:[0-9a-f]{12}$/);
    expect(tokenId('secret-token')).not.toContain('secret');
  });
});
