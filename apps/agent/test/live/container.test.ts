import type { AddressInfo } from 'node:net';
import type { Event, ServerMessage } from '@pidscope/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AUTH, buildTestApp, inject, waitFor } from '../helpers/app.js';
import { TestContainers } from '../helpers/containers.js';
import { childrenOf, commOf, stateOf, statusField } from '../helpers/proc.js';

const containers = new TestContainers();
beforeAll(() => containers.removeAll());
afterAll(() => containers.removeAll());

function eventsOn(ws: WebSocket): Event[] {
  const seen: Event[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as ServerMessage;
    if (m.type === 'patch') seen.push(...m.events);
  });
  return seen;
}

describe('live: a container whose PID 1 does not reap', () => {
  it('a zombie made in the container arrives as zombie-appeared on a real WebSocket, and killing a parent yields reparented to the namespace PID 1', async () => {
    const app = await buildTestApp();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/stream`, { headers: AUTH });
    const events = eventsOn(ws);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));

    // PID 1 becomes `sleep 600` (it never reaps); `sleep 1` dies and stays a zombie;
    // the inner sh waits for its own `sleep 500`.
    const { id, initPid } = await containers.run([
      'sh',
      '-c',
      'sleep 1 & sh -c "sleep 500 & wait" & exec sleep 600',
    ]);
    const zombiePid = await waitFor(
      () => childrenOf(initPid).find((pid) => stateOf(pid) === 'Z'),
      'the zombie under the container PID 1',
    );
    const nsPid = Number(statusField(zombiePid, 'NSpid')?.split(/\s+/).at(-1));
    expect(nsPid).toBeGreaterThan(1);

    const appeared = await waitFor(
      () => events.find((e) => e.type === 'zombie-appeared' && e.pid === zombiePid),
      'zombie-appeared on the socket',
    );
    expect(appeared).toMatchObject({ containerId: id, nsPid, comm: 'sleep' });

    const started = events.find((e) => e.type === 'container-started' && e.containerId === id);
    expect(started).toBeDefined();
    const analysis = (await inject(app, `/api/v1/processes/${zombiePid}`)).json();
    expect(analysis.analysis).toMatchObject({
      nsPid,
      containerId: id,
      initReaps: false,
      parent: { pid: initPid, isContainerInit: true },
    });
    expect(analysis.container).toMatchObject({ id, initPid, hasInit: false });

    // Kill the inner sh from the host: its sleep 500 is adopted by the container's PID 1.
    const innerSh = childrenOf(initPid).find((pid) => commOf(pid) === 'sh');
    expect(innerSh).toBeDefined();
    const orphan = childrenOf(innerSh as number)[0] as number;
    process.kill(innerSh as number, 'SIGKILL');
    const reparented = await waitFor(
      () => events.find((e) => e.type === 'reparented' && e.pid === orphan),
      'reparented on the socket',
    );
    expect(reparented).toMatchObject({
      containerId: id,
      oldPpid: innerSh,
      newPpid: initPid,
      newParentKind: 'namespace-init',
    });
    await waitFor(
      () => events.find((e) => e.type === 'zombie-appeared' && e.pid === innerSh),
      'the killed sh to show as a zombie too',
    );

    await containers.removeAll();
    await waitFor(
      () => events.find((e) => e.type === 'container-stopped' && e.containerId === id),
      'container-stopped',
    );
    ws.close();
  });
});

describe('live: a container at its pids limit', () => {
  it('reports fork failures as pids-limit-hit and the limit in the container record', async () => {
    const app = await buildTestApp();
    const { id } = await containers.run(
      // busybox sh exits on a failed fork, so the forking runs in a child shell, not in PID 1.
      [
        'sh',
        '-c',
        'sh -c "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 600 & done; wait"; exec sleep 600',
      ],
      { pidsLimit: 6 },
    );
    const c = await waitFor(() => {
      const found = app.model.container(id);
      return found && found.forkFailures > 0 ? found : undefined;
    }, 'fork failures on the container');
    expect(c).toMatchObject({ id, pidsMax: 6 });
    expect(c.pidsCurrent).toBeLessThanOrEqual(6);
    const hit = await waitFor(
      () => app.model.events(0).find((e) => e.type === 'pids-limit-hit' && e.containerId === id),
      'pids-limit-hit',
    );
    expect(hit.forkFailures).toBeGreaterThan(0);
    const metrics = (await app.inject('/metrics')).body;
    const labels = `container_id="${id}",container_name="${c.name}",image="${c.image}"`;
    expect(metrics).toContain(`\npidscope_container_pids_limit{${labels}} 6\n`);
    expect(metrics).toMatch(
      new RegExp(`^pidscope_container_fork_failures_total\\{${labels}\\} [1-9]\\d*$`, 'm'),
    );
  });
});
