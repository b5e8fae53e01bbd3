import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyPatch, FakeSocket, snapshotOf } from './fakeSocket.js';
import { CONTAINER_ID, container, event, host, proc, processes, state } from './fixtures/hosts.js';
import { connect, item, mount } from './mountApp.js';

describe('the dashboard', () => {
  beforeEach(() => {
    FakeSocket.reset();
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () => new Response(JSON.stringify({ message: 'no agent here' }), { status: 503 }),
      ),
    );
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('shows "reconnecting" until the snapshot, then "live" and the tree', () => {
    mount();
    expect(screen.getByTestId('connection-status').textContent).toBe('reconnecting');
    expect(screen.queryAllByRole('treeitem')).toHaveLength(0);
    connect();
    expect(screen.getByTestId('connection-status').textContent).toBe('live');
    const tree = screen.getByRole('tree');
    // Kernel threads are collapsed under kthreadd: 12 processes, 2 hidden.
    expect(within(tree).getAllByRole('treeitem')).toHaveLength(10);
    expect(item(2, 20).getAttribute('aria-expanded')).toBe('false');
  });

  it('says how the agent learns of changes: kernel events, or polling and why', () => {
    mount();
    connect();
    const source = screen.getByTestId('update-source');
    expect(source.textContent).toBe('kernel events');
    act(() => {
      FakeSocket.last().push(
        snapshotOf(
          state({
            seq: 2,
            host: {
              ...host,
              source: 'polling',
              sourceReason: 'the kernel has no proc connector in this network namespace',
            },
          }),
        ),
      );
    });
    expect(screen.getByTestId('update-source').textContent).toBe('polling every 1s');
    expect(screen.getByTestId('update-source').getAttribute('title')).toContain(
      'no proc connector in this network namespace',
    );
  });

  it('names every process with comm, host PID, container PID and "zombie"', () => {
    mount();
    connect();
    expect(item(1, 10).getAttribute('aria-label')).toBe('systemd, PID 1, rss 4.1 kB');
    const init = item(4425, 44250);
    expect(init.getAttribute('aria-label')).toBe('sleep, PID 4425, container PID 1, rss 4.1 kB');
    expect(init.getAttribute('data-pid')).toBe('4425');
    expect(init.getAttribute('data-ns-pid')).toBe('1');
    const zombie = item(4430, 44300);
    expect(zombie.getAttribute('aria-label')).toBe('sleep, PID 4430, container PID 7, zombie');
    expect(item(1, 10).hasAttribute('data-ns-pid')).toBe(false);
  });

  it('shows CPU and memory in rows, names, the container header and the details', () => {
    const busy = processes.map((p) =>
      p.pid === 4431 ? { ...p, cpu: 37, rssBytes: 120_000_000 } : p,
    );
    mount({ pid: 4425, startTime: 44250 });
    connect(1, { processes: busy });
    const row = item(4431, 44310);
    expect(row.getAttribute('aria-label')).toBe(
      'sh, PID 4431, container PID 8, cpu 37%, rss 120 MB',
    );
    expect(row.textContent).toContain('cpu 37%');
    expect(row.textContent).toContain('120 MB');
    expect(screen.getByTestId(`container-${CONTAINER_ID.slice(0, 12)}`).textContent).toContain(
      'cpu 37% 120 MB',
    );
    expect(screen.getByTestId('subtree-totals').textContent).toBe('3 processes · cpu 37% · 120 MB');
  });

  it('marks zombies by shape and text, and blames the parent that does not reap', () => {
    mount();
    connect();
    const zombie = item(4430, 44300);
    expect(zombie.getAttribute('data-zombie')).toBe('true');
    expect(zombie.querySelector('.shape-zombie')).not.toBeNull();
    expect(zombie.textContent).toContain('zombie');
    expect(item(4425, 44250).getAttribute('data-blamed')).toBe('true');
    expect(item(4425, 44250).textContent).toContain('not reaping');
    const others = screen.getAllByRole('treeitem').filter((e) => e.dataset.blamed === 'true');
    expect(others).toHaveLength(1);
    expect(item(4431, 44310).hasAttribute('data-zombie')).toBe(false);
  });

  it('draws the container as a labelled group: name, image, short id, init', () => {
    mount();
    connect();
    const group = screen.getByTestId(`container-${CONTAINER_ID.slice(0, 12)}`);
    expect(group.textContent).toContain('web');
    expect(group.textContent).toContain('pidscope/busybox:local');
    expect(group.textContent).toContain(CONTAINER_ID.slice(0, 12));
    expect(group.textContent).toContain('no init');
  });

  it('selects with the keyboard, shows details, and puts the selection in the URL', () => {
    const { urls } = mount();
    connect();
    const tree = screen.getByRole('tree');
    expect(tree.getAttribute('aria-activedescendant')).toBe('node-1:10');
    fireEvent.keyDown(tree, { key: 'ArrowDown' });
    expect(tree.getAttribute('aria-activedescendant')).toBe('node-300:3000');
    fireEvent.keyDown(tree, { key: 'Enter' });
    const details = screen.getByTestId('details');
    expect(details.textContent).toContain('dockerd');
    expect(details.textContent).toContain('/usr/sbin/dockerd -H fd://');
    expect(urls).toEqual([{ pid: 300, startTime: 3000 }]);
    expect(item(300, 3000).getAttribute('aria-selected')).toBe('true');
  });

  it('expands and collapses with the arrow keys', () => {
    mount();
    connect();
    const tree = screen.getByRole('tree');
    fireEvent.keyDown(tree, { key: 'End' });
    expect(tree.getAttribute('aria-activedescendant')).toBe('node-2:20');
    fireEvent.keyDown(tree, { key: 'ArrowRight' });
    expect(item(2, 20).getAttribute('aria-expanded')).toBe('true');
    expect(item(3, 30)).toBeTruthy();
    fireEvent.keyDown(tree, { key: 'ArrowRight' });
    expect(tree.getAttribute('aria-activedescendant')).toBe('node-3:30');
    fireEvent.keyDown(tree, { key: 'ArrowLeft' });
    expect(tree.getAttribute('aria-activedescendant')).toBe('node-2:20');
    fireEvent.keyDown(tree, { key: 'ArrowLeft' });
    expect(item(2, 20).getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByTestId('proc-3-30')).toBeNull();
  });

  it('zooms with the toolbar buttons and fits the tree', () => {
    mount();
    connect();
    const tree = screen.getByRole('tree');
    const scale = () => Number(tree.dataset.scale);
    const start = scale();
    fireEvent.click(screen.getByRole('button', { name: 'Zoom in' }));
    expect(scale()).toBeCloseTo(start * 1.25, 2);
    fireEvent.click(screen.getByRole('button', { name: 'Zoom out' }));
    fireEvent.click(screen.getByRole('button', { name: 'Zoom out' }));
    expect(scale()).toBeCloseTo(start / 1.25, 2);
    fireEvent.click(screen.getByTestId('fit'));
    expect(scale()).toBeGreaterThan(0);
  });

  it('restores a shared selection from the URL, opening its collapsed ancestors', () => {
    mount({ pid: 4, startTime: 40 });
    connect();
    expect(item(4, 40).getAttribute('aria-selected')).toBe('true');
    expect(screen.getByTestId('details').textContent).toContain('kworker/0:0');
  });

  it("shows a kernel worker's workqueue, which only its details carry", async () => {
    const fetch = vi.fn(
      async (_url: string) =>
        new Response(
          JSON.stringify({
            process: state().processes.find((p) => p.pid === 4),
            children: [],
            analysis: null,
            workqueue: 'mm_percpu_wq',
          }),
          { status: 200 },
        ),
    );
    vi.stubGlobal('fetch', fetch);
    mount({ pid: 4, startTime: 40 });
    connect();
    const details = screen.getByTestId('details');
    expect(details.textContent).toContain('kworker/0:0');
    await vi.waitFor(() => expect(details.textContent).toContain('mm_percpu_wq'));
    expect(fetch.mock.calls.map((c) => String(c[0]))).toContain('/api/v1/processes/4');
  });

  it("shows the agent's analysis when a zombie is selected", async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response(
            JSON.stringify({
              process: state().processes[7],
              parent: null,
              children: [],
              container: null,
              analysis: {
                pid: 4430,
                startTime: 44300,
                nsPid: 7,
                zombieSince: 1_700_000_000_000,
                ageMs: 60_000,
                containerId: CONTAINER_ID,
                parent: {
                  pid: 4425,
                  startTime: 44250,
                  comm: 'sleep',
                  cmdline: ['sleep', '600'],
                  isContainerInit: true,
                  isHostInit: false,
                },
                initReaps: false,
                initComm: 'sleep',
                fix: 'restart the container with --init',
              },
            }),
          ),
      ),
    );
    mount();
    connect();
    fireEvent.click(item(4430, 44300));
    const analysis = await screen.findByText(/restart the container with --init/);
    expect(analysis).toBeTruthy();
    const panel = screen.getByTestId('zombie-analysis');
    expect(panel.textContent).toContain("the container's PID 1");
    expect(panel.textContent).toContain('does not reap');
    const call = vi.mocked(fetch).mock.calls.find(([url]) => url === '/api/v1/processes/4430');
    // The page holds no token: the session cookie, sent by the browser, authenticates.
    expect(JSON.stringify(call?.[1] ?? {})).not.toContain('authorization');
  });

  it('filters the event timeline by type, and an entry selects its process', () => {
    mount();
    const ws = connect();
    act(() =>
      ws.push(
        emptyPatch(1, {
          events: [
            event({ id: 1, type: 'zombie-appeared', pid: 4430, containerId: CONTAINER_ID }),
            event({ id: 2, type: 'exited', pid: 990 }),
            event({
              id: 3,
              type: 'reparented',
              pid: 778,
              startTime: 99_100,
              oldPpid: 9,
              newPpid: 777,
            }),
          ],
        }),
      ),
    );
    const timeline = screen.getByTestId('event-timeline');
    const types = () =>
      within(timeline)
        .queryAllByTestId('event')
        .map((e) => e.dataset.type);
    expect(types()).toEqual(['reparented', 'exited', 'zombie-appeared']);
    fireEvent.click(screen.getByTestId('event-filter-exited'));
    expect(types()).toEqual(['reparented', 'zombie-appeared']);
    fireEvent.click(screen.getByTestId('event-filter-reparented'));
    expect(types()).toEqual(['zombie-appeared']);
    const entry = within(timeline).getByTestId('event');
    expect(entry.dataset.pid).toBe('4430');
    fireEvent.click(entry);
    expect(item(4430, 44300).getAttribute('aria-selected')).toBe('true');
  });

  it('staggered, the timeline and headroom follow the tree a few frames later', async () => {
    mount(null, 2);
    const ws = connect();
    const zombies = () => screen.getByTestId('headroom-host').textContent ?? '';
    await screen.findByTestId(`headroom-container-${CONTAINER_ID.slice(0, 12)}`);
    act(() =>
      ws.push(
        emptyPatch(1, {
          host: { zombies: 7 },
          events: [event({ id: 9, type: 'exited', pid: 990 })],
        }),
      ),
    );
    // The tree's header has it now; the panels catch up within a few frames.
    expect(screen.getByRole('button', { name: '7 zombies' })).toBeTruthy();
    const timeline = screen.getByTestId('event-timeline');
    expect(within(timeline).queryAllByTestId('event')).toHaveLength(0);
    await within(timeline).findByTestId('event');
    await vi.waitFor(() => expect(zombies()).toMatch(/zombies\s*7/));
  });

  it('a patch leaves the toolbar alone, and of the event filters only the counts that moved', () => {
    mount();
    const ws = connect();
    const watch = (el: Element) => {
      const o = new MutationObserver(() => undefined);
      o.observe(el, { subtree: true, childList: true, attributes: true, characterData: true });
      // Where each change landed: the event filter's label, or the toolbar.
      return () =>
        new Set(
          o.takeRecords().map((m) => {
            const el = m.target instanceof Element ? m.target : m.target.parentElement;
            return el?.closest('label')?.className ?? 'toolbar';
          }),
        );
    };
    const toolbar = watch(document.querySelector('.toolbar') as Element);
    const filters = watch(screen.getByRole('group', { name: 'Event types shown' }));
    act(() =>
      ws.push(
        emptyPatch(1, {
          host: { zombies: 3 },
          containers: {
            upserted: [
              container({
                id: CONTAINER_ID,
                name: 'web',
                initPid: 4425,
                pidsMax: 50,
                pidsCurrent: 9,
              }),
            ],
            removed: [],
          },
          events: [event({ id: 9, type: 'exited', pid: 990 })],
        }),
      ),
    );
    // The patch landed (the timeline has its entry) and the container list is the same.
    expect(within(screen.getByTestId('event-timeline')).getAllByTestId('event')).toHaveLength(1);
    expect([...toolbar()]).toEqual([]);
    expect([...filters()]).toEqual(['chip ev-exited']);
    expect(screen.getByTestId('event-filter-exited').parentElement?.textContent).toMatch(/1$/);
  });

  it('marks a reparented process and its new edge', () => {
    mount();
    const ws = connect();
    act(() =>
      ws.push(
        emptyPatch(1, {
          updated: [{ pid: 778, startTime: 99_100, ppid: 1 }],
          events: [
            event({
              id: 7,
              type: 'reparented',
              pid: 778,
              startTime: 99_100,
              oldPpid: 777,
              newPpid: 1,
            }),
          ],
        }),
      ),
    );
    const moved = item(778, 99_100);
    expect(moved.getAttribute('data-reparented')).toBe('true');
    expect(moved.getAttribute('data-ppid')).toBe('1');
    expect(moved.getAttribute('aria-level')).toBe('2');
    expect(document.querySelectorAll('.link-reparented')).toHaveLength(1);
  });

  it('colours headroom by level: ok, amber, red', () => {
    mount();
    connect(1, {
      containers: [
        container({ id: CONTAINER_ID, name: 'web', pidsCurrent: 40, pidsMax: 50 }),
        container({
          id: `aaaabbbbcccc${'0'.repeat(52)}`,
          name: 'full',
          pidsCurrent: 50,
          pidsMax: 50,
        }),
        container({
          id: `ddddeeeeffff${'0'.repeat(52)}`,
          name: 'free',
          pidsCurrent: 3,
          pidsMax: null,
        }),
      ],
    });
    expect(screen.getByTestId('headroom-host').dataset.level).toBe('ok');
    expect(
      screen.getByTestId(`headroom-container-${CONTAINER_ID.slice(0, 12)}`).dataset.level,
    ).toBe('amber');
    expect(screen.getByTestId('headroom-container-aaaabbbbcccc').dataset.level).toBe('red');
    expect(screen.getByTestId('headroom-container-ddddeeeeffff').dataset.level).toBe('ok');
  });

  it('turns the host red when its headroom is gone', () => {
    mount();
    connect(1, { host: { ...host, tasks: 32_500, headroom: -32 } });
    expect(screen.getByTestId('headroom-host').dataset.level).toBe('red');
  });

  it('finds by host PID, container PID, name and command line', () => {
    mount();
    connect();
    const find = screen.getByTestId('search');
    const matched = () =>
      screen
        .getAllByRole('treeitem')
        .filter((e) => e.classList.contains('match'))
        .map((e) => e.dataset.pid);
    fireEvent.change(find, { target: { value: '4431' } });
    expect(matched()).toEqual(['4431']);
    fireEvent.change(find, { target: { value: '7' } });
    expect(matched()).toEqual(['4430']);
    fireEvent.change(find, { target: { value: 'notes.txt' } });
    expect(matched()).toEqual(['778']);
    fireEvent.change(find, { target: { value: 'rcu' } });
    // A match inside collapsed kthreadd is revealed.
    expect(matched()).toEqual(['3']);
    expect(screen.getByTestId('match-count').textContent).toBe('1 match');
  });

  it('the zombie count goes to each zombie in turn; a red container card to that container', () => {
    const { urls } = mount();
    const extra = proc({ pid: 600, ppid: 1, comm: 'defunct', state: 'Z', cmdline: [] });
    connect(1, {
      processes: [...processes, extra],
      containers: [
        container({ id: CONTAINER_ID, name: 'web', initPid: 4425, pidsMax: 50, pidsCurrent: 49 }),
      ],
    });
    const next = screen.getByTestId('next-zombie');
    fireEvent.click(next);
    fireEvent.click(next);
    fireEvent.click(next);
    expect(urls).toEqual([
      { pid: 600, startTime: 6000 },
      { pid: 4430, startTime: 44300 },
      { pid: 600, startTime: 6000 },
    ]);
    const card = screen.getByTestId(`headroom-container-${CONTAINER_ID.slice(0, 12)}`);
    expect(card.dataset.level).toBe('red');
    fireEvent.click(within(card).getByTestId('headroom-go'));
    expect(urls.at(-1)).toEqual({ pid: 4430, startTime: 44300 });
    expect(screen.getByTestId('details').getAttribute('aria-label')).toBe(
      'Details of sleep, PID 4430',
    );
  });

  it('filters to zombies only and to one container', () => {
    mount();
    connect();
    fireEvent.click(screen.getByTestId('filter-zombies'));
    expect(screen.getAllByRole('treeitem').map((e) => e.dataset.pid)).toEqual([
      '1',
      '400',
      '4425',
      '4430',
    ]);
    fireEvent.click(screen.getByTestId('filter-zombies'));
    fireEvent.change(screen.getByTestId('filter-container'), { target: { value: CONTAINER_ID } });
    expect(screen.getAllByRole('treeitem').map((e) => e.dataset.pid)).toEqual([
      '1',
      '400',
      '4425',
      '4430',
      '4431',
    ]);
  });

  it('resyncs without a reload when a patch does not fit, then shows the fresh snapshot', () => {
    mount();
    const ws = connect(1);
    act(() => ws.push(emptyPatch(7)));
    expect(ws.sent).toEqual([expect.objectContaining({ type: 'resync' })]);
    expect(screen.getByTestId('connection-status').textContent).toBe('stale');
    const fresh = state({ seq: 9 });
    act(() =>
      ws.push(snapshotOf({ ...fresh, processes: fresh.processes.filter((p) => p.pid !== 500) })),
    );
    expect(screen.getByTestId('connection-status').textContent).toBe('live');
    expect(screen.queryByTestId('proc-500-5000')).toBeNull();
  });

  it('keeps only rows near the view in the DOM for a large tree, with one trunk per parent', () => {
    mount();
    const many = Array.from({ length: 2000 }, (_, i) =>
      proc({ pid: 10_000 + i, ppid: 500, comm: `worker${i}` }),
    );
    connect(1, { processes: [...processes, ...many] });
    const tree = screen.getByRole('tree');
    const drawn = screen.getAllByRole('treeitem').length;
    expect(Number(tree.dataset.total)).toBe(2000 + 10);
    expect(drawn).toBe(Number(tree.dataset.drawn));
    expect(drawn).toBeLessThan(200);
    expect(item(1, 10)).toBeTruthy();
    // sshd's 2,000 children run far below the view: one trunk, not 2,000 edges.
    const edges = document.querySelectorAll('.links path');
    expect(edges.length).toBeLessThan(drawn + 10);
  });

  it('keeps the selected process in place while rows above it come and go', () => {
    const { container: root } = mount({ pid: 300, startTime: 3000 });
    const ws = connect();
    const pane = root.querySelector('.tree-scroll') as HTMLElement;
    pane.scrollTop = 100;
    const before = (item(300, 3000) as unknown as SVGElement).style.transform;
    act(() => {
      ws.push(emptyPatch(1, { added: [proc({ pid: 5, ppid: 1, comm: 'cron' })] }));
    });
    expect((item(300, 3000) as unknown as SVGElement).style.transform).not.toBe(before);
    expect(pane.scrollTop).toBeGreaterThan(100);
  });
});
