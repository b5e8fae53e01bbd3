import { type ChildProcess, spawn } from 'node:child_process';
import {
  AuditAnswer,
  ContainersResponse,
  DemoList,
  EventsAnswer,
  HealthResponse,
  ProcessDetails,
  ReapAnswer,
  SignalAnswer,
} from '@pidscope/protocol';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { afterAll, describe, expect, it } from 'vitest';
import { startTimeOf } from '../actions/helpers.js';
import { inject, useSharedApp, waitFor } from '../helpers/app.js';
import { childrenOf, stateOf } from '../helpers/proc.js';

const shared = useSharedApp();
const spawned: ChildProcess[] = [];
afterAll(() => {
  for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function start(args: string[]): number {
  const child = spawn(args[0] as string, args.slice(1), { stdio: 'ignore' });
  spawned.push(child);
  return child.pid as number;
}

function expectShape(schema: TSchema, body: unknown): void {
  const check = Compile(schema);
  expect([...check.Errors(body)]).toEqual([]);
}

const post = (url: string, payload: unknown) =>
  inject(shared(), { method: 'POST', url, payload: payload as Record<string, unknown> });

describe('the REST contract', () => {
  it('[R4] every answer has the shape of its schema', async () => {
    const app = shared();
    const victim = start(['sleep', '600']);
    const parent = start(['sh', '-c', 'sleep 0 & exec sleep 600']);
    const zombie = await waitFor(
      () => childrenOf(parent).find((c) => stateOf(c) === 'Z'),
      'a zombie child',
    );
    await app.model.refresh();
    const reads: [string, TSchema][] = [
      ['/healthz', HealthResponse],
      [`/api/v1/processes/${process.pid}`, ProcessDetails],
      [`/api/v1/processes/${zombie}`, ProcessDetails],
      ['/api/v1/containers', ContainersResponse],
      ['/api/v1/events?since=0', EventsAnswer],
      ['/api/v1/demos', DemoList],
    ];
    for (const [url, schema] of reads) {
      const res = await inject(app, url);
      expect(res.statusCode, url).toBe(200);
      expectShape(schema, res.json());
    }
    const signal = await post(`/api/v1/processes/${victim}/signal?dryRun=1`, {
      signal: 'SIGTERM',
      startTime: startTimeOf(victim),
    });
    expectShape(SignalAnswer, signal.json());
    const reap = await post(`/api/v1/processes/${zombie}/reap?dryRun`, {
      startTime: startTimeOf(zombie),
    });
    expectShape(ReapAnswer, reap.json());
    expect(reap.json()).toMatchObject({ dryRun: true, done: false, plan: 'signal-parent' });
    const audit = await inject(app, '/api/v1/audit?limit=10');
    expectShape(AuditAnswer, audit.json());
    expect(stateOf(victim)).toBe('S');
    expect(stateOf(zombie)).toBe('Z');
  });

  it('[R5] URL numbers and booleans are decimal text only; a body is never coerced', async () => {
    const victim = start(['sleep', '600']);
    const startTime = startTimeOf(victim);
    for (const pid of ['1e3', '0x10', '01', '+1']) {
      const res = await inject(shared(), `/api/v1/processes/${encodeURIComponent(pid)}`);
      expect([pid, res.statusCode, res.json().code]).toEqual([pid, 400, 'BAD_PID']);
    }
    const yes = await post(`/api/v1/processes/${victim}/signal?dryRun=yes`, {
      signal: 'SIGKILL',
      startTime,
    });
    expect([yes.statusCode, yes.json().code]).toEqual([400, 'BAD_DRY_RUN']);
    const text = await post(`/api/v1/processes/${victim}/signal?dryRun=1`, {
      signal: 'SIGKILL',
      startTime: String(startTime),
    });
    expect([text.statusCode, text.json().code]).toEqual([400, 'BAD_START_TIME']);
    const extra = await post(`/api/v1/processes/${victim}/signal?dryRun=1`, {
      signal: 'SIGKILL',
      startTime,
      force: true,
    });
    expect([extra.statusCode, extra.json().code]).toEqual([400, 'BAD_BODY']);
    expect(extra.json().message).toContain('unknown field "force"');
    const ignored = await inject(shared(), '/api/v1/events?since=0&cachebuster=123');
    expect(ignored.statusCode).toBe(200);
    expect(stateOf(victim)).toBe('S');
  });

  it('[R6] the first field that breaks the schema names the error: params, then body, then query', async () => {
    const bad = await post('/api/v1/processes/abc/signal?dryRun=yes', { signal: 'SIGFOO' });
    expect(bad.json()).toMatchObject({
      statusCode: 400,
      code: 'BAD_PID',
      error: 'Bad Request',
      message: 'pid must be a decimal integer from 1 to 4194304 (got "abc")',
    });
    const body = await post('/api/v1/processes/4000000/signal?dryRun=yes', { signal: 'SIGFOO' });
    expect(body.json().code).toBe('BAD_SIGNAL');
    expect(body.json().message).toContain('(got "SIGFOO")');
    const query = await post('/api/v1/processes/4000000/signal?dryRun=yes', {
      signal: 'SIGKILL',
      startTime: 1,
    });
    expect(query.json().code).toBe('BAD_DRY_RUN');
    const limit = await inject(shared(), '/api/v1/audit?limit=0');
    expect([limit.statusCode, limit.json().code]).toEqual([400, 'BAD_LIMIT']);
    const since = await inject(shared(), '/api/v1/events?since=1.5');
    expect([since.statusCode, since.json().code]).toEqual([400, 'BAD_QUERY']);
    expect(since.json().message).toBe('since must be integer (got "1.5")');
  });
});
