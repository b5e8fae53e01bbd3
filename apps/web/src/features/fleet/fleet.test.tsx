import type { FleetHost, FleetZombiesResponse, HostSummary } from '@pidscope/protocol';
import { act, fireEvent, render, renderHook, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket, factory } from '../../../test/fakeSocket.js';
import { agentUrl } from '../../net/api.js';
import { streamUrl } from '../../net/connection.js';
import { FleetOverview } from './FleetOverview.js';
import { applyFleetMessage, NO_HOSTS, worstFirst } from './fleetState.js';
import { hostApiRoot, readHost, withHost } from './fleetUrl.js';
import { useFleet } from './useFleet.js';

const summary = (over: Partial<HostSummary> = {}): HostSummary => ({
  processes: 120,
  tasks: 300,
  zombies: 0,
  headroom: { free: 32_000, percent: 98.6 },
  containers: 2,
  containersNearLimit: 0,
  worstContainer: null,
  ...over,
});

const host = (id: string, over: Partial<FleetHost> = {}): FleetHost => ({
  id,
  url: `https://${id}:7070`,
  hostname: id.replace(/-7070$/, ''),
  kernel: '6.18.0',
  status: 'up',
  since: 1_000,
  lastSeenAt: 2_000,
  error: null,
  summary: summary(),
  ...over,
});

describe('the fleet in the URL and the API root', () => {
  it('keeps the host beside the selection, and maps agent paths under the host', () => {
    const href = 'http://hub:7070/?pid=4&start=9';
    expect(readHost(href)).toBeNull();
    const opened = withHost(href, 'node1-7070', { pid: 12, startTime: 34 });
    expect(opened).toBe('http://hub:7070/?host=node1-7070&pid=12&start=34');
    expect(readHost(opened)).toBe('node1-7070');
    expect(withHost(opened, null)).toBe('http://hub:7070/');
    expect(withHost(`${opened}&at=1700000000000`, 'node2-7070')).toBe(
      'http://hub:7070/?host=node2-7070',
    );
    expect(readHost('http://hub/?host=%3Cscript%3E')).toBeNull();
    const root = hostApiRoot('node1-7070');
    expect(agentUrl(root, '/api/v1/processes/12')).toBe('/api/v1/hosts/node1-7070/processes/12');
    expect(agentUrl('', '/api/v1/processes/12')).toBe('/api/v1/processes/12');
    expect(streamUrl({ protocol: 'https:', host: 'hub' }, root)).toBe(
      'wss://hub/api/v1/hosts/node1-7070/stream',
    );
  });
});

describe('the fleet state', () => {
  it('[F9] follows hosts, host and host-removed; [F5] lists the worst first', () => {
    let hosts = applyFleetMessage(NO_HOSTS, {
      type: 'hosts',
      at: 1,
      hosts: [host('a-7070'), host('b-7070')],
    });
    hosts = applyFleetMessage(hosts, {
      type: 'host',
      at: 2,
      host: host('b-7070', { status: 'down', error: 'connection refused' }),
    });
    expect(worstFirst(hosts).map((h) => [h.id, h.status])).toEqual([
      ['b-7070', 'down'],
      ['a-7070', 'up'],
    ]);
    hosts = applyFleetMessage(hosts, { type: 'host-removed', at: 3, id: 'b-7070' });
    expect([...hosts.keys()]).toEqual(['a-7070']);
    expect(applyFleetMessage(hosts, { type: 'heartbeat', at: 4 })).toBe(hosts);
  });

  it('reads the fleet stream and asks again after a message it cannot read', () => {
    FakeSocket.reset();
    const { result, unmount } = renderHook(() => useFleet('ws://hub/api/v1/fleet/stream', factory));
    const ws = FakeSocket.last();
    expect(ws.url).toBe('ws://hub/api/v1/fleet/stream');
    act(() => {
      ws.open();
      ws.push({ type: 'hosts', at: 1, hosts: [host('a-7070')] });
    });
    expect(result.current.status).toBe('live');
    expect([...result.current.hosts.keys()]).toEqual(['a-7070']);
    act(() => ws.push('{"type":"host","at":2}'));
    expect(ws.sent).toEqual([{ type: 'resync' }]);
    unmount();
    expect(ws.closed).toBe(true);
  });
});

describe('the fleet overview', () => {
  const zombies: FleetZombiesResponse = {
    now: 10_000,
    unavailable: ['c-7070'],
    zombies: [
      {
        host: 'a-7070',
        hostname: 'a',
        pid: 4431,
        startTime: 777,
        nsPid: 3,
        comm: 'sleep',
        containerId: 'f'.repeat(64),
        containerName: 'leaky',
        parent: { pid: 4425, startTime: 700, comm: 'sh', cmdline: ['sh'] },
        zombieSince: 1_000,
        ageMs: 9_000,
      },
    ],
  };

  beforeEach(() => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) =>
        url.startsWith('/api/v1/fleet/zombies')
          ? new Response(JSON.stringify(zombies))
          : new Response(JSON.stringify({ now: 10_000, containers: [], unavailable: [] })),
      ),
    );
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('shows one card per host, worst first, down hosts with how long, and opens a host', async () => {
    const onOpen = vi.fn();
    const hosts = new Map(
      [
        host('a-7070', { summary: summary({ zombies: 1 }) }),
        host('b-7070', {
          summary: summary({
            headroom: { free: 100, percent: 3 },
            worstContainer: {
              id: 'x',
              name: 'batch',
              pidsCurrent: 95,
              pidsMax: 100,
              headroom: 5,
              usedPercent: 95,
            },
          }),
        }),
        host('c-7070', { status: 'down', since: 10_000 - 125_000, error: 'no answer for 3 s' }),
      ].map((h) => [h.id, h]),
    );
    render(<FleetOverview fleet={{ hosts, status: 'live', now: 10_000 }} onOpen={onOpen} />);
    const cards = within(screen.getByTestId('host-cards')).getAllByRole('button');
    expect(cards.map((c) => c.getAttribute('data-testid'))).toEqual([
      'host-card-c-7070',
      'host-card-b-7070',
      'host-card-a-7070',
    ]);
    const down = screen.getByTestId('host-card-c-7070');
    expect(down.getAttribute('data-status')).toBe('down');
    expect(within(down).getByTestId('host-down-for').textContent).toBe(
      'down for 2m 5s — no answer for 3 s',
    );
    expect(screen.getByTestId('host-card-b-7070').textContent).toContain(
      'worst container batch 95/100 (95%)',
    );
    fireEvent.click(screen.getByTestId('host-card-b-7070'));
    expect(onOpen).toHaveBeenLastCalledWith('b-7070');

    const row = await screen.findByTestId('fleet-zombie-a-7070-4431');
    expect(row.textContent).toContain('sleep 4431 ⟨3⟩');
    expect(row.textContent).toContain('leaky');
    expect(row.textContent).toContain('sh 4425');
    fireEvent.click(row);
    expect(onOpen).toHaveBeenLastCalledWith(
      'a-7070',
      expect.objectContaining({ pid: 4431, startTime: 777 }),
    );
  });
});
