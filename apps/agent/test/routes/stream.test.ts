import { type ChildProcess, spawn } from 'node:child_process';
import { applyPatch, CloseCode, PROTOCOL_VERSION, type State } from '@pidscope/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { buildTestApp, inject, injectWS, useSharedApp, waitFor } from '../helpers/app.js';
import { isType, Recorder } from '../helpers/ws.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.pid && c.exitCode === null) c.kill('SIGKILL');
});

function sleeper(): number {
  const c = spawn('sleep', ['300'], { stdio: 'ignore' });
  children.push(c);
  return c.pid as number;
}

async function connect(
  app: Awaited<ReturnType<typeof buildTestApp>>,
): Promise<{ ws: WebSocket; rec: Recorder }> {
  const rec = new Recorder();
  const ws = (await injectWS(
    app,
    '/api/v1/stream',
    {},
    { onInit: (w: WebSocket) => rec.attach(w) },
  )) as WebSocket;
  return { ws, rec };
}

describe('WS /api/v1/stream: bad client messages', () => {
  const shared = useSharedApp();

  it.each([
    ['garbage', 'not json at all', CloseCode.MalformedJson],
    ['an array', '[1,2]', CloseCode.MalformedJson],
    ['an unknown type', '{"type":"subscribe"}', CloseCode.UnknownMessageType],
    ['a __proto__ type', '{"type":"__proto__"}', CloseCode.UnknownMessageType],
    ['a resync with extra fields', '{"type":"resync","x":1}', CloseCode.SchemaViolation],
    [
      'an oversized message',
      `{"type":"resync","reason":"${'x'.repeat(5000)}"}`,
      CloseCode.MessageTooBig,
    ],
  ])('closes a client that sends %s, and only that client', async (_what, text, code) => {
    const app = shared();
    const bad = await connect(app);
    const good = await connect(app);
    await bad.rec.next(isType('snapshot'), 'snapshot (bad client)');
    await good.rec.next(isType('snapshot'), 'snapshot (good client)');
    bad.ws.send(text);
    const closed = await bad.rec.waitClosed();
    expect(closed.code).toBe(code);
    expect(closed.reason.length).toBeGreaterThan(0);

    const from = good.rec.messages.length;
    const pid = sleeper();
    await good.rec.next(
      (m): m is Extract<typeof m, { type: 'patch' }> =>
        m.type === 'patch' && m.added.some((p) => p.pid === pid),
      'a patch on the good client',
      from,
    );
    expect(good.rec.closed).toBeNull();
    good.ws.terminate();
  });
});

describe('WS /api/v1/stream', () => {
  it('sends hello, then a snapshot, then patches that rebuild the model state exactly', async () => {
    const app = await buildTestApp();
    const { ws, rec } = await connect(app);
    const hello = await rec.next(isType('hello'), 'hello');
    expect(rec.messages[0]).toBe(hello);
    expect(hello).toMatchObject({
      protocolVersion: PROTOCOL_VERSION,
      readOnly: false,
      intervalMs: 250,
    });
    const snapshot = await rec.next(isType('snapshot'), 'snapshot');
    expect(rec.messages[1]).toBe(snapshot);

    const pid = sleeper();
    const patch = await rec.next(
      (m): m is Extract<typeof m, { type: 'patch' }> =>
        m.type === 'patch' && m.added.some((p) => p.pid === pid),
      `a patch adding sleep ${pid}`,
    );
    expect(patch.added.find((p) => p.pid === pid)?.comm).toBe('sleep');

    // Replaying every patch on the snapshot gives the model's state at the same seq.
    let state: State = snapshot.state;
    const target = app.model.state();
    await waitFor(() => {
      for (const m of rec.messages.slice(2))
        if (m.type === 'patch' && m.seq > state.seq) state = applyPatch(state, m);
      return state.seq >= target.seq;
    }, 'the client to reach the model seq');
    const model = app.model.state();
    if (model.seq === state.seq) expect(state).toEqual(model);
    ws.terminate();
  });

  it('answers resync with a fresh snapshot', async () => {
    const app = await buildTestApp();
    const { ws, rec } = await connect(app);
    await rec.next(isType('snapshot'), 'first snapshot');
    const count = rec.messages.length;
    ws.send(JSON.stringify({ type: 'resync', reason: 'test' }));
    const again = await rec.next(isType('snapshot'), 'snapshot after resync', count);
    expect(again.seq).toBeGreaterThanOrEqual(1);
    ws.terminate();
  });

  it('closes a client that sends invalid UTF-8 with 1007', async () => {
    const app = await buildTestApp();
    const { ws, rec } = await connect(app);
    await rec.next(isType('snapshot'), 'snapshot');
    ws.send(Buffer.from([0xff, 0xfe, 0xfd]));
    expect((await rec.waitClosed()).code).toBe(CloseCode.InvalidPayload);
  });

  it('sends heartbeats when nothing is sent for a while', async () => {
    const app = await buildTestApp({
      argv: ['--interval-ms', '3600000'],
      stream: { heartbeatMs: 200 },
    });
    const { ws, rec } = await connect(app);
    await rec.next(isType('snapshot'), 'snapshot');
    const hb = await rec.next(isType('heartbeat'), 'heartbeat');
    // Process events may have been patched in between (other tests fork): the heartbeat carries
    // the seq of the last state sent before it.
    const before = rec.messages.slice(0, rec.messages.indexOf(hb));
    const last = before.findLast((m) => m.type === 'snapshot' || m.type === 'patch');
    expect(last && 'seq' in last ? last.seq : null).toBe(hb.seq);
    ws.terminate();
  });

  it('drops patches for a client whose buffer is past the bound, then sends a snapshot once it drains', async () => {
    const app = await buildTestApp({ stream: { highWaterBytes: 1000, lowWaterBytes: 100 } });
    const sent: { type: string; seq: number }[] = [];
    const fake = {
      OPEN: 1,
      readyState: 1,
      bufferedAmount: 0,
      send: (text: string) => sent.push(JSON.parse(text)),
      close: () => {},
      on: () => fake,
    };
    const client = app.stream.connect(fake as unknown as WebSocket);
    client.start();
    expect(sent.map((m) => m.type)).toEqual(['hello', 'snapshot']);

    fake.bufferedAmount = 50_000_000;
    sleeper();
    await app.model.refresh();
    sleeper();
    await app.model.refresh();
    expect(sent.map((m) => m.type)).toEqual(['hello', 'snapshot']);

    fake.bufferedAmount = 0;
    const seqBefore = app.model.state().seq;
    await waitFor(() => sent.length > 2, 'a message after draining');
    expect(sent[2]?.type).toBe('snapshot');
    expect(sent[2]?.seq).toBeGreaterThanOrEqual(seqBefore);
    expect(app.stream.lagResyncs()).toBe(1);
  });

  it('refuses a WebSocket opened by a page of another site', async () => {
    const app = await buildTestApp();
    await expect(
      injectWS(app, '/api/v1/stream', {
        headers: { origin: 'https://evil.example', host: 'localhost:80' },
      }),
    ).rejects.toThrow(/403/);
    const ok = await connect(app);
    await ok.rec.next(isType('snapshot'), 'snapshot without an Origin header');
    ok.ws.terminate();
  });

  it('counts connected clients on /metrics', async () => {
    const app = await buildTestApp();
    const a = await connect(app);
    const b = await connect(app);
    await waitFor(() => app.stream.clients() === 2, 'two clients');
    const res = await inject(app, '/metrics');
    expect(res.body).toMatch(/^pidscope_ws_clients 2$/m);
    a.ws.terminate();
    b.ws.terminate();
  });
});
