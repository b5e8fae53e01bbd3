import { type ChildProcess, spawn } from 'node:child_process';
import type { Event } from '@pidscope/protocol';
import { describe, expect, it } from 'vitest';
import { buildTestApp, inject, waitFor } from '../helpers/app.js';
import { childrenOf, killedAfterEach, ppidOf, stateOf } from '../helpers/proc.js';

const started = killedAfterEach();

function run(script: string): ChildProcess {
  const c = spawn('sh', ['-c', script], { stdio: 'ignore', detached: false });
  started.push(c.pid as number);
  return c;
}

describe('live: host processes', () => {
  it('killing a parent yields reparented to the reaper the kernel picked', async () => {
    const app = await buildTestApp();
    const parent = run('sleep 300 & wait');
    const parentPid = parent.pid as number;
    const child = await waitFor(() => childrenOf(parentPid)[0], 'the sleep child');
    started.push(child);
    await waitFor(() => app.model.findProcess(child), 'the agent to see the child');

    process.kill(parentPid, 'SIGKILL');
    const event = await waitFor(
      () => app.model.events(0).find((e: Event) => e.type === 'reparented' && e.pid === child),
      'reparented',
    );
    // The new parent is whatever the kernel chose: host PID 1, or a subreaper above us.
    const newPpid = ppidOf(child) as number;
    expect(event).toMatchObject({
      oldPpid: parentPid,
      newPpid,
      newParentKind: newPpid === 1 ? 'host-init' : 'subreaper',
      containerId: null,
    });
    expect(event.nsPid).toBeUndefined();
    expect(app.model.events(0).some((e) => e.type === 'exited' && e.pid === parentPid)).toBe(true);
  });

  it('a host zombie gets zombieSince and an analysis blaming its parent', async () => {
    const app = await buildTestApp();
    // sh forks a short sleep, then becomes `sleep 300`, which never reaps it.
    const parent = run('sleep 0.1 & exec sleep 300');
    const parentPid = parent.pid as number;
    const zombie = await waitFor(
      () => childrenOf(parentPid).find((pid) => stateOf(pid) === 'Z'),
      'the zombie child',
    );
    const p = await waitFor(() => {
      const found = app.model.findProcess(zombie);
      return found?.state === 'Z' ? found : undefined;
    }, 'the agent to see the zombie');
    expect(p.zombieSince).toBeGreaterThan(0);
    const details = (await inject(app, `/api/v1/processes/${zombie}`)).json();
    expect(details.analysis).toMatchObject({
      pid: zombie,
      nsPid: null,
      containerId: null,
      parent: { pid: parentPid, comm: 'sleep', isContainerInit: false, isHostInit: false },
    });
    expect(details.analysis.fix).toMatch(/^its parent sleep \(PID \d+\) never calls wait\(\)/);
    expect(details.parent.pid).toBe(parentPid);

    process.kill(parentPid, 'SIGKILL');
    await waitFor(
      () => app.model.events(0).find((e) => e.type === 'zombie-reaped' && e.pid === zombie),
      'zombie-reaped once its parent is gone',
      30_000,
    );
  });
});
