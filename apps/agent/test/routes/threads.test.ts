import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { isThreadsAnswer, type ThreadsAnswer } from '@pidscope/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { startTimeOf } from '../actions/helpers.js';
import { inject, useSharedApp, waitFor } from '../helpers/app.js';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Node with a V8 pool of three: six threads, one of them kept busy by a worker. */
function threaded(busy: boolean): { pid: number; startTime: number } {
  const code = busy
    ? "new (require('node:worker_threads').Worker)('for(;;){}', { eval: true }); setInterval(() => {}, 1000)"
    : 'setInterval(() => {}, 1000)';
  const child = spawn(process.execPath, ['--v8-pool-size=3', '-e', code], { stdio: 'ignore' });
  children.push(child);
  const pid = child.pid as number;
  return { pid, startTime: startTimeOf(pid) };
}

describe('GET /api/v1/processes/:pid/threads', () => {
  const shared = useSharedApp();

  it('[S8] lists every thread by TID with its name, state and CPU; the busy one shows it', async () => {
    const p = threaded(true);
    await waitFor(() => readdirSync(`/proc/${p.pid}/task`).length >= 7, 'the worker thread');
    const res = await inject(
      shared(),
      `/api/v1/processes/${p.pid}/threads?startTime=${p.startTime}`,
    );
    expect(res.statusCode).toBe(200);
    const body = res.json() as ThreadsAnswer;
    expect(isThreadsAnswer(body)).toBe(true);
    const tids = readdirSync(`/proc/${p.pid}/task`)
      .map(Number)
      .sort((a, b) => a - b);
    expect(body.threads.map((t) => t.tid)).toEqual(tids);
    expect(body.threads[0]).toMatchObject({ tid: p.pid, nsTid: null, comm: 'node' });
    // The worker spins: one thread near a whole CPU over the quarter second between the reads.
    expect(Math.max(...body.threads.map((t) => t.cpu))).toBeGreaterThanOrEqual(50);
  });

  it('answers 404 for a thread’s TID (it is no process), 409 for another start time, 400 without one', async () => {
    const p = threaded(false);
    await waitFor(() => readdirSync(`/proc/${p.pid}/task`).length === 6, 'six threads');
    const tid = readdirSync(`/proc/${p.pid}/task`)
      .map(Number)
      .find((t) => t !== p.pid) as number;
    const app = shared();
    expect(
      (await inject(app, `/api/v1/processes/${tid}/threads?startTime=${p.startTime}`)).statusCode,
    ).toBe(404);
    expect(
      (await inject(app, `/api/v1/processes/${p.pid}/threads?startTime=${p.startTime + 1}`))
        .statusCode,
    ).toBe(409);
    expect((await inject(app, `/api/v1/processes/${p.pid}/threads?startTime=x`)).statusCode).toBe(
      400,
    );
    expect((await inject(app, `/api/v1/processes/${p.pid}/threads`)).statusCode).toBe(400);
  });
});
