// The hub against synthetic agents that speak the real protocol on real sockets: status,
// summaries, fan-out, faults ([F2], [F3], [F9], [F10]) and the fleet answers.
import { isDeepStrictEqual } from 'node:util';
import {
  type FleetContainersResponse,
  type FleetEventsResponse,
  type FleetZombiesResponse,
  type HostsResponse,
  initialStreamView,
  receive,
  type ServerMessage,
  type State,
} from '@pidscope/protocol';
import { afterEach, describe, expect, test } from 'vitest';
import { createSyntheticHost } from '../../web/bench/synthetic.mjs';
import {
  collect,
  container,
  hostState,
  proc,
  startHub,
  type TestHub,
  waitFor,
} from './support/hub.js';
import { SyntheticAgent } from './support/syntheticAgent.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function agent(hostname: string, seq = 5): Promise<SyntheticAgent> {
  const a = new SyntheticAgent({ hostname, state: hostState(hostname, seq) });
  await a.start();
  cleanups.push(() => a.stop());
  return a;
}

async function hub(agents: string[], extra: string[] = []): Promise<TestHub> {
  const h = await startHub(['--agents', agents.join(','), '--agent-grace-ms', '600', ...extra]);
  cleanups.push(() => h.close());
  return h;
}

async function hosts(h: TestHub): Promise<HostsResponse> {
  return (await h.get<HostsResponse>('/api/v1/hosts')).body;
}

function statusOf(body: HostsResponse, id: string): string | undefined {
  return body.hosts.find((x) => x.id === id)?.status;
}

const idOf = (a: SyntheticAgent) => `127.0.0.1-${a.port}`;

/** Agents alpha and beta at seq 1, and a hub that has them both up. */
async function alphaAndBetaUp(): Promise<{ a: SyntheticAgent; b: SyntheticAgent; h: TestHub }> {
  const a = await agent('alpha', 1);
  const b = await agent('beta', 1);
  const h = await hub([a.url, b.url]);
  await waitFor(async () => {
    const r = await hosts(h);
    return statusOf(r, idOf(a)) === 'up' && statusOf(r, idOf(b)) === 'up';
  }, 'both up');
  return { a, b, h };
}

describe('hosts', () => {
  test('[F2] [F3] an agent listed twice is one host; a dead address is down; the rest are up with summaries', async () => {
    const a = await agent('alpha');
    const b = await agent('beta');
    const h = await hub([a.url, b.url, `${a.url}/`, 'http://127.0.0.1:1']);
    const body = await waitFor(async () => {
      const r = await hosts(h);
      return r.hosts.filter((x) => x.status !== 'connecting').length === 3 ? r : null;
    }, 'every host to leave connecting');
    // Listed by id.
    expect(body.hosts.map((x) => [x.id, x.status, x.hostname])).toEqual(
      [
        ['127.0.0.1-1', 'down', null],
        [idOf(a), 'up', 'alpha'],
        [idOf(b), 'up', 'beta'],
      ].sort((x, y) => ((x[0] as string) < (y[0] as string) ? -1 : 1)),
    );
    const down = body.hosts.find((x) => x.id === '127.0.0.1-1');
    expect(down?.error).toBe('connection refused');
    expect(down?.summary).toBeNull();
    const up = body.hosts.find((x) => x.id === idOf(a));
    expect(up?.kernel).toBe('6.18.0-synthetic');
    expect(up?.error).toBeNull();
    expect(up?.lastSeenAt).toBeGreaterThan(0);
    expect(up?.summary).toMatchObject({ processes: 3, zombies: 0, containers: 0 });
    // The agent listed twice still has one stream from the hub.
    expect(a.connections).toBe(1);
    expect(body.discovery.map((d) => [d.kind, d.agents, d.error])).toEqual([
      ['static', 1, null],
      ['static', 1, null],
      ['static', 1, null],
      ['static', 1, null],
    ]);
  });

  test('[F3] a host that stops answering is down within the limit, and back with a fresh snapshot', async () => {
    const a = await agent('alpha');
    const b = await agent('beta');
    const h = await hub([a.url, b.url]);
    await waitFor(async () => statusOf(await hosts(h), idOf(a)) === 'up', 'alpha up');
    a.freeze();
    const frozenAt = Date.now();
    await waitFor(async () => statusOf(await hosts(h), idOf(a)) === 'down', 'alpha down', 5_000);
    // downAfterMs is 1.5 s in these tests; pings go every 250 ms.
    expect(Date.now() - frozenAt).toBeLessThan(5_000);
    const body = await hosts(h);
    expect(body.hosts.find((x) => x.id === idOf(a))?.error).toMatch(/^no answer for \d/);
    expect(statusOf(body, idOf(b))).toBe('up');
    a.thaw();
    await a.restart(hostState('alpha', 1, [proc(1), proc(20)]));
    const back = await waitFor(async () => {
      const r = await hosts(h);
      return statusOf(r, idOf(a)) === 'up' ? r : null;
    }, 'alpha back up');
    expect(back.hosts.find((x) => x.id === idOf(a))?.summary?.processes).toBe(2);
  });

  test('[F3] an agent that sends garbage is down with the reason, and comes back when it behaves', async () => {
    const a = await agent('alpha');
    const h = await hub([a.url]);
    await waitFor(async () => statusOf(await hosts(h), idOf(a)) === 'up', 'alpha up');
    a.sendGarbage();
    const down = await waitFor(async () => {
      const r = await hosts(h);
      return statusOf(r, idOf(a)) === 'down' ? r : null;
    }, 'alpha down');
    expect(down.hosts[0]?.error).toMatch(/^sent a message the hub cannot read: .*not valid JSON/);
    await waitFor(async () => statusOf(await hosts(h), idOf(a)) === 'up', 'alpha up again');
    expect(a.connections).toBe(2);
  });
});

describe('the fleet answers', () => {
  test('[F6] [F7] [F8] zombies, containers by headroom and events across hosts; down hosts are unavailable', async () => {
    const cid = 'a'.repeat(64);
    const a = await agent('alpha');
    const b = await agent('beta');
    const h = await hub([a.url, b.url, 'http://127.0.0.1:1']);
    await waitFor(async () => {
      const r = await hosts(h);
      return statusOf(r, idOf(a)) === 'up' && statusOf(r, idOf(b)) === 'up';
    }, 'both up');
    const at = Date.now();
    a.publish(
      hostState(
        'alpha',
        6,
        [
          proc(1),
          proc(10, { containerId: cid }),
          proc(12, {
            state: 'Z',
            ppid: 10,
            zombieSince: at - 5_000,
            nsPids: [12, 3],
            containerId: cid,
          }),
        ],
        [container(cid, { name: 'leaky', pidsCurrent: 95, pidsMax: 100 })],
      ),
      [
        {
          type: 'zombie-appeared',
          at,
          pid: 12,
          startTime: 112,
          containerId: cid,
          message: 'zombie 12',
        },
      ],
    );
    b.publish(hostState('beta', 6, [proc(1), proc(30)], [container('b'.repeat(64))]), [
      { type: 'exited', at: at - 1, pid: 11, startTime: 111, containerId: null, message: 'gone' },
    ]);
    const zombies = await waitFor(async () => {
      const r = await h.get<FleetZombiesResponse>('/api/v1/fleet/zombies');
      return r.body.zombies.length === 1 ? r.body : null;
    }, 'the zombie');
    expect(zombies.unavailable).toEqual(['127.0.0.1-1']);
    expect(zombies.zombies[0]).toMatchObject({
      host: idOf(a),
      hostname: 'alpha',
      pid: 12,
      nsPid: 3,
      containerName: 'leaky',
      parent: { pid: 10, comm: 'sleep' },
      zombieSince: at - 5_000,
    });
    expect(zombies.zombies[0]?.ageMs).toBeGreaterThanOrEqual(5_000);

    const containers = await waitFor(async () => {
      const r = await h.get<FleetContainersResponse>('/api/v1/fleet/containers?sort=headroom');
      return r.body.containers.length === 2 ? r.body : null;
    }, 'both containers');
    expect(containers.containers.map((c) => [c.host, c.container.name, c.headroom])).toEqual([
      [idOf(a), 'leaky', 5],
      [idOf(b), 'c-bbbb', 95],
    ]);
    expect((await h.get('/api/v1/fleet/containers?sort=name')).status).toBe(400);

    const events = await waitFor(async () => {
      const r = await h.get<FleetEventsResponse>(`/api/v1/fleet/events?since=${at - 10}`);
      return r.body.events.length === 2 ? r.body : null;
    }, 'both events');
    expect(events.events.map((e) => [e.host, e.event.type])).toEqual([
      [idOf(b), 'exited'],
      [idOf(a), 'zombie-appeared'],
    ]);
    const later = await h.get<FleetEventsResponse>(`/api/v1/fleet/events?since=${at + 1}`);
    expect(later.body.events).toEqual([]);
  });
});

describe('streams', () => {
  test('[F10] browsers of a host share the hub’s one stream, each with hello, snapshot and patches', async () => {
    const a = await agent('alpha', 7);
    const h = await hub([a.url]);
    await waitFor(async () => statusOf(await hosts(h), idOf(a)) === 'up', 'alpha up');
    const sockets = [0, 1, 2].map(() => h.socket(`/api/v1/hosts/${idOf(a)}/stream`));
    const seen = sockets.map(collect);
    await waitFor(() => seen.every((s) => s.messages.length >= 2), 'hello and snapshot');
    a.publish(hostState('alpha', 8, [proc(1), proc(10), proc(11), proc(13)]));
    await waitFor(() => seen.every((s) => s.messages.length >= 3), 'the patch');
    for (const s of seen) {
      expect(s.messages.map((m) => m.type)).toEqual(['hello', 'snapshot', 'patch']);
      expect(s.messages[0]).toMatchObject({ hostname: 'alpha' });
      expect(s.messages[2]).toMatchObject({ seq: 8, baseSeq: 7 });
    }
    expect(a.connections).toBe(1);
    for (const s of sockets) s.close();
  });

  test('[F10] after many patches the hub holds exactly the agent’s state, and a late browser gets it', async () => {
    // The hub writes each patch into the process list of the state before last: a list still in
    // use, or one written before the patch is known to fit, would show here.
    const host = createSyntheticHost({ processes: 300, containers: 6, seed: 11 });
    const a = new SyntheticAgent({ hostname: 'churn', state: host.state() });
    await a.start();
    cleanups.push(() => a.stop());
    const h = await hub([a.url]);
    await waitFor(async () => statusOf(await hosts(h), idOf(a)) === 'up', 'churn up');
    const early = collect(h.socket(`/api/v1/hosts/${idOf(a)}/stream`));
    await waitFor(() => early.messages.length >= 2, 'hello and snapshot');
    for (let i = 0; i < 40; i++) {
      const { state, events } = host.tick();
      a.publish(state, events);
      // One patch the hub must refuse on the way: its base is wrong, so the hub resyncs.
      if (i === 20) a.sendBadBase(host.tick().state);
    }
    const last = a.current();
    // The early browser, folding what it is sent as the page does, comes to hold the agent's last
    // state without ever needing to ask for a resync.
    let view = initialStreamView;
    let folded = 0;
    const resyncs: string[] = [];
    await waitFor(() => {
      for (const m of early.messages.slice(folded)) {
        const step = receive(view, m as ServerMessage);
        view = step.view;
        if (step.resync) resyncs.push(step.resync);
      }
      folded = early.messages.length;
      return isDeepStrictEqual(view.state?.processes, last.processes);
    }, 'the early browser to hold the agent’s last state');
    expect(resyncs).toEqual([]);
    expect(a.resyncs).toBe(1);
    // The hub itself holds it: a browser that comes now is given it whole.
    const late = collect(h.socket(`/api/v1/hosts/${idOf(a)}/stream`));
    const snapshot = await waitFor(
      () => late.messages.find((m) => m.type === 'snapshot'),
      'the late browser’s snapshot',
    );
    const held = snapshot.state as State;
    expect(held.seq).toBe(view.state?.seq);
    expect(held.processes).toEqual(last.processes);
    expect(held.containers).toEqual(last.containers);
  });

  test('[F10] a resync upstream reaches browsers as a patch, and the seq keeps increasing across a restart', async () => {
    const a = await agent('alpha', 7);
    const h = await hub([a.url]);
    await waitFor(async () => statusOf(await hosts(h), idOf(a)) === 'up', 'alpha up');
    const ws = h.socket(`/api/v1/hosts/${idOf(a)}/stream`);
    const seen = collect(ws);
    await waitFor(() => seen.messages.length >= 2, 'hello and snapshot');
    a.sendBadBase(hostState('alpha', 9, [proc(1), proc(10), proc(11), proc(14)]));
    await waitFor(() => a.resyncs === 1, 'the hub to ask the agent to resync');
    const patch = await waitFor(
      () => seen.messages.find((m) => m.type === 'patch'),
      'a patch to the browser',
    );
    expect(patch).toMatchObject({ seq: 8, baseSeq: 7 });
    expect(seen.messages.filter((m) => m.type === 'snapshot')).toHaveLength(1);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    // The agent restarts: its seq starts over, the hub's does not.
    await a.restart(hostState('alpha', 1, [proc(1), proc(40)]));
    expect(await closed).toBe(1013);
    await waitFor(async () => statusOf(await hosts(h), idOf(a)) === 'up', 'alpha up again');
    const again = collect(h.socket(`/api/v1/hosts/${idOf(a)}/stream`));
    const snapshot = await waitFor(
      () => again.messages.find((m) => m.type === 'snapshot'),
      'a snapshot after the restart',
    );
    expect(snapshot.seq).toBe(9);
    expect(
      (snapshot.state as { processes: { pid: number }[] }).processes.map((p) => p.pid),
    ).toEqual([1, 40]);
  });

  test('[F10] a host that is not up refuses its stream with 503; an unknown one is 404', async () => {
    const h = await hub(['http://127.0.0.1:1']);
    await waitFor(async () => statusOf(await hosts(h), '127.0.0.1-1') === 'down', 'down');
    const refused = (path: string) =>
      new Promise<number>((resolve) => {
        const ws = h.socket(path);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
      });
    expect(await refused('/api/v1/hosts/127.0.0.1-1/stream')).toBe(503);
    expect(await refused('/api/v1/hosts/nowhere-7070/stream')).toBe(404);
  });

  test('[F9] the fleet stream sends every host, then each host at most once a second', async () => {
    const { a, b, h } = await alphaAndBetaUp();
    // Past the second that began with each host coming up, whose end may bring one more update.
    await new Promise((r) => setTimeout(r, 1_100));
    const ws = h.socket('/api/v1/fleet/stream');
    const seen = collect(ws);
    await waitFor(() => seen.messages.length >= 1, 'the hosts message');
    expect(seen.messages[0]).toMatchObject({ type: 'hosts' });
    expect(seen.messages[0]?.hosts).toHaveLength(2);
    // Ten changes to alpha in two seconds: at most three updates of it (now, +1 s, +2 s).
    const started = Date.now();
    for (let i = 0; i < 10; i++) {
      a.publish(
        hostState('alpha', 2 + i, [
          proc(1),
          ...Array.from({ length: i + 1 }, (_, k) => proc(100 + k)),
        ]),
      );
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1_200));
    const updates = seen.messages.filter(
      (m) => m.type === 'host' && (m.host as { id: string }).id === idOf(a),
    );
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 1000));
    const ats = updates.map((m) => m.at as number);
    for (let i = 1; i < ats.length; i++) {
      expect((ats[i] as number) - (ats[i - 1] as number)).toBeGreaterThanOrEqual(1_000);
    }
    // The last change is never lost: the final update holds all eleven processes.
    const last = updates[updates.length - 1] as unknown as {
      host: { summary: { processes: number } };
    };
    expect(last.host.summary.processes).toBe(11);
    // Beta did not change: nothing about it after the first message.
    expect(
      seen.messages
        .filter((m) => m.type === 'host' && (m.host as { id: string }).id === idOf(b))
        .map((m) => JSON.stringify(m)),
    ).toEqual([]);
    ws.close();
  });

  test('a frozen agent never delays the others’ patches', async () => {
    const { a, b, h } = await alphaAndBetaUp();
    const seen = collect(h.socket(`/api/v1/hosts/${idOf(b)}/stream`));
    await waitFor(() => seen.messages.length >= 2, 'beta snapshot');
    a.freeze();
    const count = () => seen.messages.filter((m) => m.type === 'patch').length;
    // Through alpha's hang, its detection and its reconnect attempts, beta's patches flow.
    for (let i = 0; i < 6; i++) {
      b.publish(hostState('beta', 2 + i, [proc(1), proc(50 + i)]));
      await waitFor(() => count() === i + 1, `beta patch ${i + 1}`, 2_000);
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(statusOf(await hosts(h), idOf(a))).toBe('down');
    expect(statusOf(await hosts(h), idOf(b))).toBe('up');
    a.thaw();
  });
});
