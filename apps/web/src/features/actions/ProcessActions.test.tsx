import type { Process, SubtreeMember } from '@pidscope/protocol';
import { testProcess, testSubtreeMember } from '@pidscope/protocol/testing';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProcessActions } from './ProcessActions.js';

const proc = (over: Partial<Process> = {}): Process =>
  testProcess({
    pid: 4425,
    ppid: 4400,
    cmdline: ['sleep', '1000'],
    startTime: 123456,
    rssBytes: 0,
    ...over,
  });

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** Answers fetch() from a queue of [status, body]; records every request. */
function fakeFetch(answers: [number, unknown][]) {
  const calls: Call[] = [];
  const fn = vi.fn(async (url: string, init: RequestInit = {}) => {
    calls.push({
      url,
      method: init.method ?? 'GET',
      headers: (init.headers ?? {}) as Record<string, string>,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    const [status, body] = answers.shift() ?? [500, { message: 'no answer queued' }];
    return new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  });
  vi.stubGlobal('fetch', fn);
  return calls;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

const PREVIEW =
  'SIGTERM to PID 4425 (sleep) on the host: it has no handler for SIGTERM: it terminates.';

describe('ProcessActions', () => {
  it('previews a signal in a dialog, then sends it with the start time, on the session cookie', async () => {
    const calls = fakeFetch([
      [
        200,
        {
          dryRun: true,
          sent: false,
          message: PREVIEW,
          preview: { text: PREVIEW, effect: 'terminate' },
        },
      ],
      [
        200,
        {
          dryRun: false,
          sent: true,
          message: 'SIGTERM sent to PID 4425 (sleep)',
          preview: { text: PREVIEW, effect: 'terminate' },
        },
      ],
    ]);
    const onDone = vi.fn();
    render(<ProcessActions process={proc()} apiBase="" onDone={onDone} />);
    fireEvent.click(screen.getByRole('button', { name: 'SIGTERM' }));

    const dialog = await screen.findByRole('dialog');
    await waitFor(() =>
      expect(within(dialog).getByTestId('signal-preview').textContent).toBe(PREVIEW),
    );
    expect(calls[0]).toMatchObject({
      url: '/api/v1/processes/4425/signal?dryRun=1',
      method: 'POST',
      body: { signal: 'SIGTERM', startTime: 123456 },
    });
    // The page holds no token: the HttpOnly session cookie authenticates.
    expect(calls[0]?.headers.authorization).toBeUndefined();
    expect(onDone).not.toHaveBeenCalled();

    fireEvent.click(within(dialog).getByRole('button', { name: 'Send SIGTERM' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls[1]).toMatchObject({
      url: '/api/v1/processes/4425/signal',
      method: 'POST',
      body: { signal: 'SIGTERM', startTime: 123456 },
    });
    expect(screen.getByRole('status').textContent).toBe('SIGTERM sent to PID 4425 (sleep)');
    expect(onDone).toHaveBeenCalledTimes(1);
  });

  it('cancel sends nothing', async () => {
    const calls = fakeFetch([
      [200, { preview: { text: PREVIEW, effect: 'terminate' }, message: PREVIEW }],
    ]);
    render(<ProcessActions process={proc()} />);
    fireEvent.click(screen.getByRole('button', { name: 'SIGKILL' }));
    const dialog = await screen.findByRole('dialog');
    await within(dialog).findByRole('button', { name: 'Send SIGKILL' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(calls).toHaveLength(1);
  });

  it('says plainly when the process changed under it (409), and offers no confirm', async () => {
    fakeFetch([
      [200, { preview: { text: PREVIEW, effect: 'terminate' }, message: PREVIEW }],
      [
        409,
        {
          statusCode: 409,
          code: 'STALE_START_TIME',
          message: 'PID 4425 now belongs to another process',
        },
      ],
    ]);
    render(<ProcessActions process={proc()} />);
    fireEvent.click(screen.getByRole('button', { name: 'SIGTERM' }));
    await screen.findByTestId('signal-preview');
    fireEvent.click(screen.getByRole('button', { name: 'Send SIGTERM' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('409');
    expect(alert.textContent).toContain('PID 4425 now belongs to another process');
    expect(screen.queryByRole('button', { name: 'Send SIGTERM' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Close' })).toBeTruthy();
  });

  it.each([
    [401, 'UNAUTHENTICATED', 'missing or wrong token'],
    [403, 'AGENT_ANCESTOR', 'PID 4425 (sleep) is an ancestor of the pidscope agent'],
  ])('shows a %i refusal of the preview in the dialog', async (status, code, message) => {
    fakeFetch([[status, { statusCode: status, code, message }]]);
    render(<ProcessActions process={proc()} />);
    fireEvent.click(screen.getByRole('button', { name: 'SIGHUP' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(String(status));
    expect(alert.textContent).toContain(message);
    expect(screen.queryByTestId('signal-preview')).toBeNull();
  });

  it('Reap on a zombie whose parent is PID 1 of a container offers a restart', async () => {
    const message =
      "Zombie 4425's parent is PID 1 (sleep) of container web, which never calls wait().";
    const calls = fakeFetch([
      [
        200,
        {
          dryRun: true,
          done: false,
          plan: 'restart-container',
          parent: { pid: 4400, startTime: 1, comm: 'sleep' },
          container: { id: 'abc', name: 'web' },
          signal: null,
          message,
        },
      ],
      [
        200,
        {
          dryRun: false,
          done: true,
          plan: 'restart-container',
          parent: null,
          container: { id: 'abc', name: 'web' },
          signal: null,
          message: 'Container web restarted',
        },
      ],
    ]);
    render(<ProcessActions process={proc({ state: 'Z', cmdline: [] })} />);
    fireEvent.click(screen.getByRole('button', { name: 'Reap' }));
    const dialog = await screen.findByRole('dialog');
    await waitFor(() =>
      expect(within(dialog).getByTestId('signal-preview').textContent).toBe(message),
    );
    fireEvent.click(within(dialog).getByRole('button', { name: 'Restart container web' }));
    await waitFor(() =>
      expect(screen.getByRole('status').textContent).toBe('Container web restarted'),
    );
    expect(calls.map((c) => c.url)).toEqual([
      '/api/v1/processes/4425/reap?dryRun=1',
      '/api/v1/processes/4425/reap',
    ]);
    expect(calls[1]?.body).toEqual({ startTime: 123456, restartContainer: true });
  });

  it('Reap that signals the parent confirms with "Send SIGTERM"', async () => {
    const calls = fakeFetch([
      [
        200,
        {
          plan: 'signal-parent',
          parent: { pid: 4400, startTime: 9, comm: 'sh' },
          container: null,
          signal: 'SIGTERM',
          message: 'Reap sends SIGTERM to …',
        },
      ],
      [
        200,
        {
          plan: 'signal-parent',
          done: true,
          signal: 'SIGTERM',
          message: 'SIGTERM sent to 4400 (sh)',
        },
      ],
    ]);
    render(<ProcessActions process={proc({ state: 'Z' })} />);
    fireEvent.click(screen.getByRole('button', { name: 'Reap' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Send SIGTERM' }));
    await screen.findByRole('status');
    expect(calls[1]?.body).toEqual({ startTime: 123456, signal: 'SIGTERM' });
  });

  it('[R8] previews the whole subtree in the order chosen, then sends it in one request', async () => {
    const member = (pid: number, depth: number, over: Partial<SubtreeMember> = {}) =>
      testSubtreeMember({ pid, startTime: pid * 10, ppid: 4425, depth, ...over });
    const init = { pid: 1, startTime: 0, comm: 'init', kind: 'host-init' as const, reaps: true };
    const members = [
      member(4427, 1, { fate: 'zombie', zombieOf: { pid: 4426, startTime: 1, comm: 'sleep' } }),
      member(4426, 1, { fate: 'survives', effect: 'ignored', newParent: init }),
      member(4425, 0, { fate: 'exits-if-waited' }),
    ];
    const counts = { members: 3, exits: 1, zombies: 1, survives: 1, killed: 0, orphans: 1 };
    const plan = (order: string, sent: boolean) => ({
      dryRun: !sent,
      sent,
      message: sent ? 'SIGTERM sent to 3 of 3 processes' : 'SIGTERM to the subtree',
      preview: {
        text: 'SIGTERM to the subtree of PID 4425 (sleep): 3 processes',
        effect: 'terminate',
      },
      subtree: {
        order,
        counts,
        members: members.map((m) => (sent ? { ...m, result: 'sent', exited: true } : m)),
      },
    });
    const calls = fakeFetch([
      [200, { preview: { text: PREVIEW, effect: 'terminate' }, message: PREVIEW }],
      [200, plan('leaves-first', false)],
      [200, plan('root-first', false)],
      [200, plan('root-first', true)],
    ]);
    render(<ProcessActions process={proc()} />);
    fireEvent.click(screen.getByRole('button', { name: 'SIGTERM' }));
    const dialog = await screen.findByRole('dialog');
    await within(dialog).findByRole('button', { name: 'Send SIGTERM' });
    fireEvent.click(within(dialog).getByRole('checkbox', { name: /Whole subtree/ }));
    await within(dialog).findByRole('button', { name: 'Send SIGTERM to 3 processes' });
    expect(calls[1]?.body).toEqual({
      signal: 'SIGTERM',
      startTime: 123456,
      subtree: true,
      order: 'leaves-first',
    });
    fireEvent.change(within(dialog).getByRole('combobox', { name: /Order/ }), {
      target: { value: 'root-first' },
    });
    await waitFor(() => expect(calls).toHaveLength(3));
    expect(calls[2]?.body).toMatchObject({ subtree: true, order: 'root-first' });
    const what = await within(dialog).findByRole('list', { name: 'What the subtree signal does' });
    expect(what.textContent).toContain('3 processes signalled');
    expect(what.textContent).toContain('1 stay zombies');
    expect(within(dialog).getByRole('list', { name: 'Will stay zombies' }).textContent).toBe(
      '4427 (sleep) stays a zombie of 4426 (sleep)',
    );
    expect(within(dialog).getByRole('list', { name: 'Will be adopted' }).textContent).toBe(
      '4426 (sleep) adopted by 1 (init), host init',
    );
    // Nothing was sent yet: only dry runs.
    expect(calls.every((c) => c.url.endsWith('?dryRun=1'))).toBe(true);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Send SIGTERM to 3 processes' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls).toHaveLength(4);
    expect(calls[3]).toMatchObject({
      url: '/api/v1/processes/4425/signal',
      body: { signal: 'SIGTERM', startTime: 123456, subtree: true, order: 'root-first' },
    });
    const status = screen.getByRole('status');
    expect(status.textContent).toContain('SIGTERM sent to 3 of 3 processes');
    expect(
      within(status)
        .getAllByTestId('member-result')
        .map((li) => li.textContent),
    ).toEqual([
      '4427 (sleep): sent, exited',
      '4426 (sleep): sent, exited',
      '4425 (sleep): sent, exited',
    ]);
  });

  it('is disabled in read-only mode and for PID 1', () => {
    fakeFetch([]);
    const { rerender } = render(<ProcessActions process={proc()} />);
    expect((screen.getByRole('button', { name: 'SIGTERM' }) as HTMLButtonElement).disabled).toBe(
      false,
    );
    rerender(<ProcessActions process={proc()} readOnly />);
    expect((screen.getByRole('button', { name: 'SIGKILL' }) as HTMLButtonElement).disabled).toBe(
      true,
    );
    expect(screen.getByText(/read-only/)).toBeTruthy();
    rerender(<ProcessActions process={proc({ pid: 1 })} />);
    expect((screen.getByRole('button', { name: 'SIGKILL' }) as HTMLButtonElement).disabled).toBe(
      true,
    );
  });
});
