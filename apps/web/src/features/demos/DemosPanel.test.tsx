import type { DemoInfo, DemoList, DemoRunObserved } from '@pidscope/protocol';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DemosPanel } from './DemosPanel.js';

const NOW = 1_800_000_000_000;
const DOCKER_UP = { available: true, reason: null, version: '20.10.24' };

function demo(name: string, over: Partial<DemoInfo> = {}): DemoInfo {
  return {
    name,
    title: `Title of ${name}`,
    description: `What ${name} shows`,
    needsDocker: name !== 'host-zombie',
    available: true,
    reason: null,
    steps: [
      { afterMs: 0, text: `${name}: first` },
      { afterMs: 4000, text: `${name}: after 4 s` },
      { afterMs: 60_000, text: `${name}: after a minute` },
    ],
    running: [],
    ...over,
  };
}

function run(name: string, startedAt: number): DemoRunObserved {
  return {
    id: 'd1e2m3o4',
    name,
    startedAt,
    expiresAt: startedAt + 600_000,
    containers: [{ id: 'f'.repeat(64), name: `pidscope-demo-${name}-d1e2m3o4`, initPid: 4425 }],
    pids: [4425],
    steps: demo(name).steps,
    observed: { processes: 5, zombies: 3, pidsCurrent: 5, pidsMax: null, forkFailures: 0 },
  };
}

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
}

/** A tiny agent: GET lists `state`, POST starts into it, DELETE stops. */
function fakeAgent(state: DemoList, startAnswer?: [number, unknown]) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const method = init.method ?? 'GET';
      calls.push({ url, method, headers: (init.headers ?? {}) as Record<string, string> });
      let status = 200;
      let body: unknown = state;
      if (method === 'POST') {
        const name = url.split('/').pop() as string;
        if (startAnswer) [status, body] = startAnswer;
        else {
          const r = run(name, state.now - 5000);
          state.demos = state.demos.map((d) => (d.name === name ? { ...d, running: [r] } : d));
          body = r;
        }
      } else if (method === 'DELETE') {
        state.demos = state.demos.map((d) => ({ ...d, running: [] }));
        body = { stopped: true };
      }
      return new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' },
      });
    }),
  );
  return calls;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('DemosPanel', () => {
  it('lists the demos; Start starts one and its steps unfold by elapsed time; Stop stops it', async () => {
    const state: DemoList = {
      now: NOW,
      docker: DOCKER_UP,
      readOnly: false,
      demos: [demo('zombie-no-init'), demo('host-zombie')],
    };
    const calls = fakeAgent(state);
    render(<DemosPanel apiBase="" pollMs={60_000} />);
    const panel = screen.getByTestId('demos');
    const start = await within(panel).findByTestId('demo-start-zombie-no-init');
    expect(within(panel).queryByTestId('demo-stop-zombie-no-init')).toBeNull();

    fireEvent.click(start);
    const stop = await within(panel).findByTestId('demo-stop-zombie-no-init');
    const post = calls.find((c) => c.method === 'POST');
    expect(post?.url).toBe('/api/v1/demos/zombie-no-init');
    // The page holds no token: the HttpOnly session cookie authenticates.
    expect(post?.headers.authorization).toBeUndefined();
    const steps = within(panel)
      .getAllByTestId('demo-step')
      .map((s) => s.textContent);
    expect(steps).toEqual(['zombie-no-init: first', 'zombie-no-init: after 4 s']);
    expect(within(panel).getByTestId('demo-run-zombie-no-init').textContent).toContain('3 zombies');

    fireEvent.click(stop);
    await waitFor(() => expect(within(panel).queryByTestId('demo-stop-zombie-no-init')).toBeNull());
    expect(calls.find((c) => c.method === 'DELETE')?.url).toBe('/api/v1/demos/d1e2m3o4');
  });

  it('says why a Docker demo cannot start, and keeps the host demo available', async () => {
    fakeAgent({
      now: NOW,
      docker: {
        available: false,
        reason: 'connect ENOENT /var/run/docker.sock',
        version: null,
      },
      readOnly: false,
      demos: [
        demo('subreaper', {
          available: false,
          reason: 'needs Docker, which is not available: connect ENOENT /var/run/docker.sock',
        }),
        demo('host-zombie'),
      ],
    });
    render(<DemosPanel pollMs={60_000} />);
    const blocked = (await screen.findByTestId('demo-start-subreaper')) as HTMLButtonElement;
    expect(blocked.disabled).toBe(true);
    expect(screen.getByText(/connect ENOENT/)).toBeTruthy();
    expect((screen.getByTestId('demo-start-host-zombie') as HTMLButtonElement).disabled).toBe(
      false,
    );
  });

  it('shows a refusal from the agent', async () => {
    fakeAgent({ now: NOW, docker: DOCKER_UP, readOnly: false, demos: [demo('pid-exhaustion')] }, [
      429,
      {
        statusCode: 429,
        code: 'TOO_MANY_DEMOS',
        message: '6 demos are running already: stop one first',
      },
    ]);
    render(<DemosPanel pollMs={60_000} />);
    fireEvent.click(await screen.findByTestId('demo-start-pid-exhaustion'));
    expect((await screen.findByRole('alert')).textContent).toContain('6 demos are running already');
  });

  it('disables Start in read-only mode', async () => {
    fakeAgent({ now: NOW, docker: DOCKER_UP, readOnly: true, demos: [demo('host-zombie')] });
    const { rerender } = render(<DemosPanel pollMs={60_000} />);
    const start = (await screen.findByTestId('demo-start-host-zombie')) as HTMLButtonElement;
    expect(start.disabled).toBe(true);
    rerender(<DemosPanel pollMs={60_000} />);
    await screen.findByText(/read-only/);
    expect((screen.getByTestId('demo-start-host-zombie') as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('DemosPanel when the agent is away', () => {
  it('says so, and recovers on the next successful poll', async () => {
    let up = false;
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        if (!up) throw new TypeError('Failed to fetch');
        const body: DemoList = {
          now: NOW,
          docker: DOCKER_UP,
          readOnly: false,
          demos: [demo('host-zombie')],
        };
        return new Response(JSON.stringify(body), { status: 200 });
      }),
    );
    render(<DemosPanel pollMs={50} />);
    expect((await screen.findByRole('alert')).textContent).toContain('Cannot reach the agent');
    up = true;
    await screen.findByTestId('demo-start-host-zombie');
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
  });

  it('counts seconds only while a demo runs', async () => {
    const state: DemoList = {
      now: NOW,
      docker: DOCKER_UP,
      readOnly: false,
      demos: [demo('host-zombie')],
    };
    const calls = fakeAgent(state);
    const every = vi.spyOn(globalThis, 'setInterval');
    const secondTicks = () => every.mock.calls.filter(([, ms]) => ms === 1000).length;
    render(<DemosPanel pollMs={40} />);
    const start = await screen.findByTestId('demo-start-host-zombie');
    await waitFor(() => expect(calls.length).toBeGreaterThanOrEqual(3));
    // Idle: it polls, but no clock re-renders the panel every second.
    expect(secondTicks()).toBe(0);
    fireEvent.click(start);
    await screen.findByTestId('demo-run-host-zombie');
    // The clock starts in an effect, which may run just after the run's row is in the page.
    await waitFor(() => expect(secondTicks()).toBe(1));
    every.mockRestore();
  });
});
