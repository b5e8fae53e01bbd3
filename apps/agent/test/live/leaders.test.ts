// Who leaks zombies, from a real parent that does not reap.
import { spawn } from 'node:child_process';
import type { ZombieLeaders } from '@pidscope/protocol';
import { describe, expect, it } from 'vitest';
import { buildTestApp, inject, waitFor } from '../helpers/app.js';
import { childrenOf, killedAfterEach, stateOf } from '../helpers/proc.js';

const started = killedAfterEach();

describe('live: who leaks zombies', () => {
  it('[H9] ranks a parent that leaves zombies, by its command, with the zombies there now', async () => {
    const app = await buildTestApp();
    // sh forks two short sleeps, then becomes `sleep 300`, which never reaps them.
    const parent = spawn('sh', ['-c', 'sleep 0.1 & sleep 0.1 & exec sleep 300'], {
      stdio: 'ignore',
    });
    const parentPid = parent.pid as number;
    started.push(parentPid);
    await waitFor(
      () => childrenOf(parentPid).filter((pid) => stateOf(pid) === 'Z').length === 2,
      'two zombies',
    );
    const row = await waitFor(async () => {
      const res = await inject(app, '/api/v1/zombies/leaders?window=1h');
      const body = res.json() as ZombieLeaders;
      return body.leaders.find((l) => l.parent.pid === parentPid && l.created === 2);
    }, 'the parent ranked');
    expect(row).toMatchObject({
      image: null,
      parentComm: 'sleep',
      containerId: null,
      hasInit: null,
      created: 2,
      reaped: 0,
      alive: expect.any(Number),
      parent: { pid: parentPid, alive: true },
    });
    expect(row.alive).toBeGreaterThanOrEqual(2);
    expect(row.oldestAgeMs).toBeGreaterThanOrEqual(0);
    expect(row.ratePerHour).toBeGreaterThanOrEqual(2);
    expect((await inject(app, '/api/v1/zombies/leaders?window=7d')).statusCode).toBe(400);
  });
});
