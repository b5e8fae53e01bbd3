import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGED_LABEL } from '../../src/docker/images.js';
import {
  auth,
  childrenOf,
  docker,
  isAlive,
  isGone,
  ppidOf,
  removeContainersLabelled,
  spawnVictim,
  startAgent,
  startTimeOf,
  stateOf,
  type TestAgent,
  waitFor,
} from './helpers.js';

const TEST_LABEL = `io.pidscope.test=actions-reap-${randomBytes(4).toString('hex')}`;

let agent: TestAgent;
const spawned: ChildProcess[] = [];

function post(url: string, body: unknown) {
  return agent.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...auth },
    payload: JSON.stringify(body),
  });
}

const key = (pid: number) => ({ startTime: startTimeOf(pid) });

/** A process whose child is a zombie: `sh` starts `sleep 0.1`, then execs `sleep`, which never waits. */
async function zombieMaker(): Promise<{ parent: ChildProcess; zombie: number }> {
  const parent = spawnVictim(['/bin/sh', '-c', 'sleep 0.1 & exec sleep 1000']);
  spawned.push(parent);
  const zombie = await waitFor('a zombie child', () =>
    childrenOf(parent.pid as number).find((c) => stateOf(c) === 'Z'),
  );
  return { parent, zombie };
}

interface Demo {
  id: string;
  name: string;
  initPid: number;
  middle: number;
  zombie: number;
}

/** A container whose PID 1 is `sleep` (or docker-init) with a middle process holding a zombie. */
async function containerWithZombie(init: boolean): Promise<Demo> {
  const [labelKey, labelValue] = TEST_LABEL.split('=') as [string, string];
  const c = await docker.createContainer({
    Image: 'pidscope/busybox:local',
    Cmd: ['sh', '-c', 'sh -c "sleep 0.1 & exec sleep 1000" & exec sleep 100000'],
    Labels: { [MANAGED_LABEL]: 'true', [labelKey]: labelValue },
    HostConfig: { NetworkMode: 'none', Init: init },
  });
  await c.start();
  const info = await c.inspect();
  const initPid = info.State.Pid;
  const found = await waitFor('the model to show the container zombie', async () => {
    await agent.app.model.refresh();
    const z = agent.app.model
      .state()
      .processes.find((p) => p.containerId === c.id && p.state === 'Z' && p.ppid !== initPid);
    return z && agent.app.model.container(c.id) ? z : null;
  });
  return {
    id: c.id,
    name: agent.app.model.container(c.id)?.name as string,
    initPid,
    middle: found.ppid,
    zombie: found.pid,
  };
}

beforeAll(async () => {
  agent = await startAgent();
});

afterAll(async () => {
  for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await removeContainersLabelled(TEST_LABEL);
  await agent?.close();
});

describe('reap on the host', () => {
  it('409 for a process that is not a zombie, which stays alive', async () => {
    const victim = spawnVictim();
    spawned.push(victim);
    const res = await post(`/api/v1/processes/${victim.pid}/reap`, key(victim.pid as number));
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('NOT_A_ZOMBIE');
    expect(isAlive(victim)).toBe(true);
  });

  it('a zombie: the preview says a signal to the zombie does nothing', async () => {
    const { parent, zombie } = await zombieMaker();
    await agent.app.model.refresh();
    const res = await post(`/api/v1/processes/${zombie}/signal?dryRun=1`, {
      signal: 'SIGKILL',
      ...key(zombie),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().preview.effect).toBe('none');
    expect(res.json().preview.text).toContain('cannot be killed');
    expect(res.json().preview.text).toContain(`parent ${parent.pid} (sleep)`);
  });

  it("reap signals the zombie's parent; the zombie is then reaped", async () => {
    const { parent, zombie } = await zombieMaker();
    const zombieStart = startTimeOf(zombie);
    await agent.app.model.refresh();
    const preview = await post(`/api/v1/processes/${zombie}/reap?dryRun=1`, key(zombie));
    expect(preview.statusCode).toBe(200);
    const plan = preview.json();
    expect(plan.plan).toBe('signal-parent');
    expect(plan.parent.pid).toBe(parent.pid);
    expect(plan.signal).toBe('SIGTERM');
    expect(plan.preview.orphans).toEqual([
      expect.objectContaining({ pid: zombie, zombie: true, fate: 'reaped' }),
    ]);
    expect(isAlive(parent)).toBe(true);

    const exited = new Promise<NodeJS.Signals | null>((r) => parent.once('exit', (_c, s) => r(s)));
    const res = await post(`/api/v1/processes/${zombie}/reap`, { startTime: zombieStart });
    expect(res.statusCode).toBe(200);
    expect(res.json().done).toBe(true);
    expect(await exited).toBe('SIGTERM');
    await waitFor('the zombie reaped', () => isGone(zombie, zombieStart), 30_000);
  }, 90_000);
});

describe('signals and reap in containers', () => {
  it('without --init: the preview says the zombie will stay, and it does', async () => {
    const d = await containerWithZombie(false);
    const res = await post(`/api/v1/processes/${d.middle}/signal?dryRun=1`, {
      signal: 'SIGKILL',
      ...key(d.middle),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().preview.text).toContain(
      `Zombie ${d.zombie} will be reparented to PID 1 (sleep) of container ${d.name}, which does not reap: it will stay`,
    );
    expect(res.json().preview.orphans[0]).toMatchObject({
      pid: d.zombie,
      fate: 'stays',
      newParent: { pid: d.initPid, kind: 'namespace-init', reaps: false },
    });

    const reap = await post(`/api/v1/processes/${d.zombie}/reap`, {
      ...key(d.zombie),
      signal: 'SIGKILL',
    });
    expect(reap.statusCode).toBe(200);
    await waitFor('the zombie adopted by PID 1', () => ppidOf(d.zombie) === d.initPid);
    expect(stateOf(d.zombie)).toBe('Z');

    await agent.app.model.refresh();
    const plan = await post(`/api/v1/processes/${d.zombie}/reap?dryRun=1`, key(d.zombie));
    expect(plan.statusCode).toBe(200);
    expect(plan.json().plan).toBe('restart-container');
    expect(plan.json().container).toEqual({ id: d.id, name: d.name });
    expect(plan.json().message).toContain('never calls wait()');

    const unconfirmed = await post(`/api/v1/processes/${d.zombie}/reap`, key(d.zombie));
    expect(unconfirmed.statusCode).toBe(409);
    expect(unconfirmed.json().code).toBe('RESTART_REQUIRED');
    expect(stateOf(d.zombie)).toBe('Z');

    const zombieStart = startTimeOf(d.zombie);
    const restarted = await post(`/api/v1/processes/${d.zombie}/reap`, {
      ...key(d.zombie),
      restartContainer: true,
    });
    expect(restarted.statusCode, restarted.body).toBe(200);
    expect(restarted.json().done).toBe(true);
    expect(isGone(d.zombie, zombieStart)).toBe(true);
    const after = await docker.getContainer(d.id).inspect();
    expect(after.State.Running).toBe(true);
    expect(after.State.Pid).not.toBe(d.initPid);
  }, 90_000);

  it('with --init: the preview says the zombie will disappear, and it does', async () => {
    const d = await containerWithZombie(true);
    const res = await post(`/api/v1/processes/${d.middle}/signal?dryRun=1`, {
      signal: 'SIGTERM',
      ...key(d.middle),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().preview.text).toContain(
      `Zombie ${d.zombie} will be reparented to PID 1 (docker-init) of container ${d.name}, which reaps: it will disappear`,
    );
    const zombieStart = startTimeOf(d.zombie);
    const sent = await post(`/api/v1/processes/${d.middle}/signal`, {
      signal: 'SIGTERM',
      ...key(d.middle),
    });
    expect(sent.statusCode).toBe(200);
    await waitFor('the zombie reaped by docker-init', () => isGone(d.zombie, zombieStart));
  }, 90_000);

  it("the container's PID 1 ignores SIGTERM from the host; SIGKILL would stop the container", async () => {
    const d = await containerWithZombie(false);
    const term = await post(`/api/v1/processes/${d.initPid}/signal?dryRun=1`, {
      signal: 'SIGTERM',
      ...key(d.initPid),
    });
    expect(term.json().preview.effect).toBe('ignored');
    expect(term.json().preview.isContainerInit).toBe(true);
    const kill = await post(`/api/v1/processes/${d.initPid}/signal?dryRun=1`, {
      signal: 'SIGKILL',
      ...key(d.initPid),
    });
    expect(kill.json().preview.effect).toBe('stops-container');
    expect(kill.json().preview.text).toContain('stops the whole container');

    const sent = await post(`/api/v1/processes/${d.initPid}/signal`, {
      signal: 'SIGTERM',
      ...key(d.initPid),
    });
    expect(sent.statusCode).toBe(200);
    await agent.app.model.refresh();
    expect(stateOf(d.initPid)).toBe('S');
    expect((await docker.getContainer(d.id).inspect()).State.Running).toBe(true);

    const killed = await post(`/api/v1/processes/${d.initPid}/signal`, {
      signal: 'SIGKILL',
      ...key(d.initPid),
    });
    expect(killed.statusCode).toBe(200);
    await waitFor('the container stopped', async () => {
      const s = await docker.getContainer(d.id).inspect();
      return !s.State.Running;
    });
  }, 90_000);
});
