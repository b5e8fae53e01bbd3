import { spawn } from 'node:child_process';
import type { Event, Process } from '@pidscope/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGED_LABEL } from '../../src/docker/images.js';
import {
  auth,
  docker,
  ppidOf,
  removeContainersLabelled,
  startAgent,
  startTimeOf,
  stateOf,
  type TestAgent,
  waitFor,
} from '../actions/helpers.js';

interface Started {
  id: string;
  name: string;
  containers: { id: string; name: string; initPid: number | null }[];
  pids: number[];
  steps: { afterMs: number; text: string }[];
}

let agent: TestAgent;
const started: string[] = [];

async function startDemo(name: string, a: TestAgent = agent): Promise<Started> {
  const res = await a.app.inject({ method: 'POST', url: `/api/v1/demos/${name}`, headers: auth });
  expect(res.statusCode, res.body).toBe(200);
  const d = res.json() as Started;
  started.push(d.id);
  return d;
}

async function stopDemo(id: string, a: TestAgent = agent): Promise<void> {
  const res = await a.app.inject({ method: 'DELETE', url: `/api/v1/demos/${id}`, headers: auth });
  expect(res.statusCode, res.body).toBe(200);
}

const processesIn = (containerId: string): Process[] =>
  agent.app.model.state().processes.filter((p) => p.containerId === containerId);

const eventsFor = (containerId: string, type: Event['type']): Event[] =>
  agent.app.model.events(0).filter((e) => e.containerId === containerId && e.type === type);

async function containerGone(id: string): Promise<boolean> {
  try {
    await docker.getContainer(id).inspect();
    return false;
  } catch (err) {
    return (err as { statusCode?: number }).statusCode === 404;
  }
}

beforeAll(async () => {
  agent = await startAgent();
});

afterAll(async () => {
  await agent?.close();
  for (const id of started) await removeContainersLabelled(`io.pidscope.demo-id=${id}`);
});

describe('GET /api/v1/demos', () => {
  it('lists the six demos with steps and what they need', async () => {
    const res = await agent.app.inject({ method: 'GET', url: '/api/v1/demos', headers: auth });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.demos.map((d: { name: string }) => d.name)).toEqual([
      'zombie-no-init',
      'zombie-with-init',
      'orphan-reparent',
      'subreaper',
      'pid-exhaustion',
      'host-zombie',
    ]);
    for (const d of body.demos) {
      expect(d.steps.length).toBeGreaterThan(0);
      expect(d.available).toBe(true);
      expect(d.needsDocker).toBe(d.name !== 'host-zombie');
    }
  });

  it('starting needs the token, and an existing demo name', async () => {
    const none = await agent.app.inject({ method: 'POST', url: '/api/v1/demos/host-zombie' });
    expect(none.statusCode).toBe(401);
    const unknown = await agent.app.inject({
      method: 'POST',
      url: '/api/v1/demos/fork-bomb',
      headers: auth,
    });
    expect(unknown.statusCode).toBe(404);
    const stop = await agent.app.inject({
      method: 'DELETE',
      url: '/api/v1/demos/nope',
      headers: auth,
    });
    expect(stop.statusCode).toBe(404);
  });
});

describe('container demos, as the agent model sees them', () => {
  it('zombie-no-init: zombies appear in its container, parented by PID 1', async () => {
    const d = await startDemo('zombie-no-init');
    const c = d.containers[0];
    expect(c?.initPid).toBeGreaterThan(1);
    const id = c?.id as string;
    const zombies = await waitFor('two zombies in the container', () => {
      const z = processesIn(id).filter((p) => p.state === 'Z');
      return z.length >= 2 ? z : null;
    });
    for (const z of zombies) {
      expect(z.ppid).toBe(c?.initPid);
      expect(z.nsPids.length).toBe(2);
    }
    await waitFor('zombie-appeared events', () => eventsFor(id, 'zombie-appeared').length >= 1);
    const listed = await agent.app.inject({ method: 'GET', url: '/api/v1/demos', headers: auth });
    const running = listed
      .json()
      .demos.find((x: { name: string }) => x.name === 'zombie-no-init').running;
    expect(running[0].id).toBe(d.id);
    expect(running[0].observed.zombies).toBeGreaterThanOrEqual(2);
    await stopDemo(d.id);
    expect(await containerGone(id)).toBe(true);
  });

  it('zombie-with-init: orphans are adopted by docker-init and never linger as zombies', async () => {
    const d = await startDemo('zombie-with-init');
    const c = d.containers[0];
    const id = c?.id as string;
    const adopted = new Set<string>();
    // A scan may catch a `sleep 1` in the instant between its exit and docker-init's wait():
    // that is a real zombie for a moment. What --init guarantees is that none of them stays.
    const zombieSince = new Map<string, number>();
    const LINGER_MS = 2_000;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const now = Date.now();
      for (const p of processesIn(id)) {
        const key = `${p.pid}:${p.startTime}`;
        if (p.state === 'Z') {
          if (!zombieSince.has(key)) zombieSince.set(key, now);
        } else if (p.cmdline.join(' ') === 'sleep 1' && p.ppid === c?.initPid) {
          adopted.add(key);
        }
      }
      const lingering = processesIn(id).filter(
        (p) =>
          p.state === 'Z' && now - (zombieSince.get(`${p.pid}:${p.startTime}`) ?? now) > LINGER_MS,
      );
      expect(lingering).toEqual([]);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(adopted.size).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, LINGER_MS));
    const reaped = new Set(eventsFor(id, 'zombie-reaped').map((e) => `${e.pid}:${e.startTime}`));
    const unreaped = eventsFor(id, 'zombie-appeared').filter(
      (e) => !reaped.has(`${e.pid}:${e.startTime}`),
    );
    expect(unreaped).toEqual([]);
    await stopDemo(d.id);
    expect(await containerGone(id)).toBe(true);
  }, 90_000);

  it("orphan-reparent: the children are reparented to the container's PID 1", async () => {
    const d = await startDemo('orphan-reparent');
    const c = d.containers[0];
    const id = c?.id as string;
    const events = await waitFor(
      'two reparented events',
      () => {
        // The container's own PID 1 is reparented too, at start (runc's init exits): skip it.
        const e = eventsFor(id, 'reparented').filter((x) => x.pid !== c?.initPid);
        return e.length >= 2 ? e : null;
      },
      30_000,
    );
    for (const e of events) {
      expect(e.newParentKind).toBe('namespace-init');
      expect(e.newPpid).toBe(c?.initPid);
      expect(e.comm).toBe('sleep');
    }
    await stopDemo(d.id);
  }, 90_000);

  it('subreaper: the children are reparented to the subreaper, not to PID 1', async () => {
    const d = await startDemo('subreaper');
    const c = d.containers[0];
    const id = c?.id as string;
    const events = await waitFor(
      'two reparented events',
      () => {
        const e = eventsFor(id, 'reparented').filter(
          (x) => x.pid !== c?.initPid && x.comm === 'sleep',
        );
        return e.length >= 2 ? e : null;
      },
      30_000,
    );
    for (const e of events) {
      expect(e.newParentKind).toBe('subreaper');
      expect(e.newPpid).not.toBe(c?.initPid);
      const reaper = agent.app.model.findProcess(e.newPpid as number);
      expect(reaper?.cmdline.slice(0, 2)).toEqual(['/sbin/docker-init', '-s']);
    }
    await stopDemo(d.id);
  }, 90_000);

  it('pid-exhaustion: the container sits at its pids limit and fork failures climb', async () => {
    const d = await startDemo('pid-exhaustion');
    const id = d.containers[0]?.id as string;
    const first = await waitFor('the container at its limit with fork failures', () => {
      const c = agent.app.model.container(id);
      return c && c.pidsMax === 32 && c.pidsCurrent === 32 && c.forkFailures > 0 ? c : null;
    });
    await waitFor('more fork failures', () => {
      const c = agent.app.model.container(id);
      return c && c.forkFailures > first.forkFailures;
    });
    await waitFor('a pids-limit-hit event', () => eventsFor(id, 'pids-limit-hit').length > 0);
    await stopDemo(d.id);
    expect(await containerGone(id)).toBe(true);
  });
});

describe('host-zombie', () => {
  it('makes a zombie on the host and removes its parent on DELETE', async () => {
    const d = await startDemo('host-zombie');
    expect(d.containers).toEqual([]);
    const parent = d.pids[0] as number;
    const zombie = await waitFor('a zombie child of the demo process', () =>
      agent.app.model
        .state()
        .processes.find((p) => p.ppid === parent && p.state === 'Z' && p.containerId === null),
    );
    expect(zombie.comm).toBe('sleep');
    await stopDemo(d.id);
    await waitFor(
      'the demo process gone',
      () => stateOf(parent) === null || ppidOf(parent) !== process.pid,
    );
    await waitFor(
      'the zombie reaped',
      () => stateOf(zombie.pid) === null || startTimeOf(zombie.pid) !== zombie.startTime,
      30_000,
    );
  }, 90_000);
});

describe('limits and cleanup', () => {
  it('caps the demos running at once', async () => {
    const capped = await startAgent({});
    try {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await startDemo('host-zombie', capped)).id);
      const res = await capped.app.inject({
        method: 'POST',
        url: '/api/v1/demos/host-zombie',
        headers: auth,
      });
      expect(res.statusCode).toBe(429);
      for (const id of ids) await stopDemo(id, capped);
    } finally {
      await capped.close();
    }
  }, 90_000);

  it('removes a demo when its lifetime is over', async () => {
    const short = await startAgent({ PIDSCOPE_DEMO_LIFETIME_MS: '1500' });
    try {
      const d = await startDemo('host-zombie', short);
      const pid = d.pids[0] as number;
      await waitFor('the demo expired', () => short.app.demos.running().length === 0);
      await waitFor('its process gone', () => stateOf(pid) === null || ppidOf(pid) !== process.pid);
    } finally {
      await short.close();
    }
  }, 90_000);

  it('removes its demo containers when the agent closes', async () => {
    const closing = await startAgent();
    const d = await startDemo('zombie-no-init', closing);
    const id = d.containers[0]?.id as string;
    expect(await containerGone(id)).toBe(false);
    await closing.close();
    expect(await containerGone(id)).toBe(true);
  }, 90_000);

  it('removes demo containers and processes left by a crashed agent at start', async () => {
    const dead = '4000000:1';
    const orphan = await docker.createContainer({
      Image: 'pidscope/busybox:local',
      Cmd: ['sleep', '600'],
      Labels: {
        [MANAGED_LABEL]: 'true',
        'io.pidscope.demo': 'zombie-no-init',
        'io.pidscope.demo-id': 'crashed0',
        'io.pidscope.demo-owner': dead,
      },
      HostConfig: { NetworkMode: 'none' },
    });
    started.push('crashed0');
    await orphan.start();
    const stray = spawn('/bin/sh', ['-c', 'exec sleep 600'], {
      stdio: 'ignore',
      env: { PATH: '/usr/bin:/bin', PIDSCOPE_DEMO_OWNER: dead },
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => stray.once('exit', (_c, s) => r(s)));
    const fresh = await startAgent();
    try {
      await waitFor('the stale container removed', () => containerGone(orphan.id));
      expect(await exited).toBe('SIGKILL');
    } finally {
      await fresh.close();
    }
  }, 90_000);
});
