import type { Container } from '@pidscope/protocol';
import { describe, expect, it } from 'vitest';
import { keyOf, parseKey } from '../src/model/keys.js';
import {
  allNodes,
  GROUP_HEADER,
  keyAt,
  type Layout,
  type LayoutNode,
  layoutColumns,
  layoutInput,
  layoutTree,
  linksIn,
  nodeOf,
  rowAtY,
  rowOf,
  withContainers,
  withInput,
  withoutContainers,
} from '../src/model/layout.js';
import { movableCopy } from '../src/model/layoutEngine.js';
import { CONTAINER_ID, container, containers, proc, processes } from './fixtures/hosts.js';

const drawn = (l: ReturnType<typeof layoutTree>) => allNodes(l).map((n) => n.key);

describe('layoutTree', () => {
  it('draws one row per process in pre-order, keyed by pid:startTime', () => {
    const l = layoutTree(processes, containers, { showKernelThreads: true });
    expect(allNodes(l)).toHaveLength(processes.length);
    expect(drawn(l).slice(0, 4)).toEqual(['1:10', '300:3000', '400:4000', '4425:44250']);
    for (let i = 1; i < l.size; i++) expect(l.y[i]).toBeGreaterThan(l.y[i - 1] as number);
    expect(Array.from({ length: l.size }, (_, r) => keyAt(l, r))).toEqual(drawn(l));
  });

  it('collapses kernel threads under kthreadd by default and counts what it hides', () => {
    const l = layoutTree(processes, containers);
    const kthreadd = nodeOf(l, '2:20');
    expect(kthreadd).toMatchObject({ collapsed: true, hiddenCount: 2, childCount: 2, level: 1 });
    expect(rowOf(l, '3:30') >= 0).toBe(false);
    expect(rowOf(l, '4:40') >= 0).toBe(false);
  });

  it('shows kernel threads when asked, and honours explicit toggles both ways', () => {
    const shown = layoutTree(processes, containers, { showKernelThreads: true });
    expect(rowOf(shown, '3:30')).toBe(rowOf(shown, '2:20') + 1);
    const opened = layoutTree(processes, containers, { toggles: new Map([['2:20', true]]) });
    expect(nodeOf(opened, '2:20')?.collapsed).toBe(false);
    expect(rowOf(opened, '4:40') >= 0).toBe(true);
    const shut = layoutTree(processes, containers, { toggles: new Map([['4425:44250', false]]) });
    expect(nodeOf(shut, '4425:44250')).toMatchObject({ collapsed: true, hiddenCount: 2 });
    expect(rowOf(shut, '4430:44300') >= 0).toBe(false);
  });

  it('draws only the focused process and its descendants, from level 1; a gone focus draws all', () => {
    const l = layoutTree(processes, containers, { focus: '500:5000' });
    expect(drawn(l)).toEqual(['500:5000', '777:99000', '778:99100']);
    expect(nodeOf(l, '500:5000')).toMatchObject({ level: 1, posInSet: 1, setSize: 1 });
    // With a filter too: the zombie below the focused container init, and the init itself.
    const z = layoutTree(processes, containers, {
      focus: '4425:44250',
      filter: { zombiesOnly: true, container: '', busiest: false },
    });
    expect(drawn(z)).toEqual(['4425:44250', '4430:44300']);
    expect(drawn(layoutTree(processes, containers, { focus: '9999:1' }))).toEqual(
      drawn(layoutTree(processes, containers)),
    );
  });

  it.each([
    ['start', ['300:3000', '400:4000', '500:5000']],
    ['cpu', ['500:5000', '300:3000', '400:4000']],
    ['memory', ['400:4000', '300:3000', '500:5000']],
    ['pid', ['300:3000', '400:4000', '500:5000']],
    ['name', ['400:4000', '300:3000', '500:5000']],
  ] as const)('orders siblings by %s', (order, children) => {
    const list = processes.map((p) =>
      p.pid === 500 ? { ...p, cpu: 90 } : p.pid === 400 ? { ...p, rssBytes: 9e9 } : p,
    );
    const l = layoutTree(list, containers, { order });
    expect(drawn(l).filter((k) => nodeOf(l, k)?.parentKey === '1:10')).toEqual(children);
  });

  it('puts subtrees holding containers first, and keeps the busiest processes with their ancestors', () => {
    const first = layoutTree(processes, containers, { containersFirst: true });
    expect(drawn(first).slice(0, 3)).toEqual(['1:10', '400:4000', '4425:44250']);
    const list = processes.map((p) => (p.pid === 778 ? { ...p, cpu: 30 } : p));
    const busiest = layoutTree(list, containers, {
      filter: { zombiesOnly: false, container: '', busiest: true },
    });
    expect(drawn(busiest)).toEqual(['1:10', '500:5000', '777:99000', '778:99100']);
    // Nobody busy: nothing to show.
    expect(
      layoutTree(processes, containers, {
        filter: { zombiesOnly: false, container: '', busiest: true },
      }).size,
    ).toBe(0);
  });

  it('draws containers sharing a PID namespace as one box, their shims brought together', () => {
    const SIDECAR = `5ca1ab1e0000${'c'.repeat(52)}`;
    const list = [
      ...processes,
      // Started later than sshd: without the shared namespace its shim would come after it.
      proc({ pid: 900, ppid: 1, comm: 'containerd-shim', startTime: 200_000 }),
      proc({
        pid: 907,
        ppid: 900,
        comm: 'tail',
        startTime: 200_100,
        nsPids: [907, 9],
        pidNs: 4026532252,
        containerId: SIDECAR,
      }),
    ];
    const cs = [
      { ...(containers[0] as Container), sharesPidNamespaceWith: [SIDECAR] },
      container({ id: SIDECAR, name: 'sidecar', sharesPidNamespaceWith: [CONTAINER_ID] }),
    ];
    const l = layoutTree(list, cs);
    expect(l.groups).toHaveLength(1);
    const g = l.groups[0] as (typeof l.groups)[number];
    expect(g.containerIds).toEqual([CONTAINER_ID, SIDECAR]);
    // The sidecar's shim follows web's subtree, then the sidecar's process: all in the box.
    expect(drawn(l).slice(drawn(l).indexOf('400:4000'), drawn(l).indexOf('400:4000') + 6)).toEqual([
      '400:4000',
      '4425:44250',
      '4430:44300',
      '4431:44310',
      '900:200000',
      '907:200100',
    ]);
    for (const key of ['4425:44250', '900:200000', '907:200100']) {
      const n = nodeOf(l, key) as LayoutNode;
      expect(n.y).toBeGreaterThan(g.y);
      expect(n.y).toBeLessThan(g.y + g.height);
    }
    // Not sharing: two boxes, and the sidecar's shim outside both.
    const apart = layoutTree(list, [
      containers[0] as Container,
      container({ id: SIDECAR, name: 'sidecar' }),
    ]);
    expect(apart.groups.map((x) => x.containerIds)).toEqual([[CONTAINER_ID], [SIDECAR]]);
  });

  it('draws a container as one labelled group around its processes, below a header band', () => {
    const l = layoutTree(processes, containers);
    expect(l.groups).toHaveLength(1);
    const g = l.groups[0];
    expect(g?.containerId).toBe(CONTAINER_ID);
    expect(g?.container?.name).toBe('web');
    const rows = allNodes(l).filter((n) => n.containerId === CONTAINER_ID);
    expect(rows.map((n) => n.pid)).toEqual([4425, 4430, 4431]);
    for (const n of rows) {
      expect(n.y).toBeGreaterThan((g?.y ?? 0) + GROUP_HEADER);
      expect(n.y).toBeLessThan((g?.y ?? 0) + (g?.height ?? 0));
      expect(n.x).toBeGreaterThan(g?.x ?? 0);
    }
    // Rows outside the container stay outside its box.
    for (const n of allNodes(l).filter((x) => x.containerId === null)) {
      const inside = n.y > (g?.y ?? 0) && n.y < (g?.y ?? 0) + (g?.height ?? 0);
      expect(inside).toBe(false);
    }
  });

  it('keeps a zombie in the tree under the parent that fails to reap it', () => {
    const l = layoutTree(processes, containers);
    const z = nodeOf(l, '4430:44300');
    expect(z?.parentKey).toBe('4425:44250');
    expect(
      linksIn(l, 0, l.size).some(
        (k) => k.sourceKey === '4425:44250' && k.targetKey === '4430:44300',
      ),
    ).toBe(true);
  });

  it('treats a reused PID with another start time as another node, parenting by start time', () => {
    const reused = [
      ...processes,
      // A later process holding PID 777 while the older one is still listed (mid-scan).
      proc({ pid: 777, ppid: 1, comm: 'cron', startTime: 150_000 }),
    ];
    const l = layoutTree(reused, containers);
    expect(nodeOf(l, '777:99000')?.pid).toBe(777);
    expect(nodeOf(l, '777:150000')?.parentKey).toBe('1:10');
    // vim started at 99_100: its parent is the bash that held PID 777 then, not the later cron.
    expect(nodeOf(l, '778:99100')?.parentKey).toBe('777:99000');
    expect(new Set(drawn(l)).size).toBe(l.size);
  });

  it('filters to zombies and their ancestors', () => {
    const l = layoutTree(processes, containers, {
      filter: { zombiesOnly: true, container: '', busiest: false },
    });
    expect(drawn(l)).toEqual(['1:10', '400:4000', '4425:44250', '4430:44300']);
    expect(nodeOf(l, '4425:44250')).toMatchObject({ setSize: 1, posInSet: 1 });
  });

  it('filters to one container, or to the host, keeping ancestors for context', () => {
    const one = layoutTree(processes, containers, {
      filter: { zombiesOnly: false, container: CONTAINER_ID, busiest: false },
    });
    expect(drawn(one)).toEqual(['1:10', '400:4000', '4425:44250', '4430:44300', '4431:44310']);
    const host = layoutTree(processes, containers, {
      filter: { zombiesOnly: false, container: 'host', busiest: false },
      showKernelThreads: true,
    });
    expect(allNodes(host).every((n) => n.containerId === null)).toBe(true);
    expect(rowOf(host, '500:5000') >= 0).toBe(true);
    const none = layoutTree(processes, containers, {
      filter: { zombiesOnly: false, container: '', busiest: false },
    });
    expect(none.size).toBe(layoutTree(processes, containers).size);
  });

  it('moves a copy of the input to the worker and keeps the original whole', () => {
    const input = layoutInput(processes);
    const [moved, buffers] = movableCopy(input);
    // The five columns share one buffer, and the copy shares none with the original.
    expect(buffers).toHaveLength(1);
    expect(buffers[0]).not.toBe(input.pid.buffer);
    const there = structuredClone(moved, { transfer: buffers });
    expect(moved.pid.length).toBe(0);
    expect(input.pid.length).toBe(processes.length);
    const columns = (i: typeof input) =>
      [i.pid, i.ppid, i.startTime, i.flags, i.container].map((c) => Array.from(c));
    expect(columns(there)).toEqual(columns(input));
    expect(there.containers).toEqual(input.containers);
    expect(Array.from(input.pid)).toEqual(processes.map((p) => p.pid));
  });

  it('lays out columns the same way a worker would, from identities alone', () => {
    const input = layoutInput(processes);
    const opts = { toggles: new Map([['4425:44250', false]]), reveal: new Set(['4:40']) };
    // What crosses to the worker (a moved copy of the input) and back (a clone of the columns
    // without their container objects).
    const [moved, buffers] = movableCopy(input);
    const there = structuredClone(moved, { transfer: buffers });
    const back = structuredClone(withoutContainers(layoutColumns(there, containers, opts)));
    expect(back.groups.every((g) => g.container === null)).toBe(true);
    const viaWorker = withInput(withContainers(back, containers), input);
    const direct = layoutTree(processes, containers, opts);
    const seen = (l: Layout) => ({
      nodes: allNodes(l),
      links: linksIn(l, 0, l.size),
      groups: l.groups,
      bounds: l.bounds,
    });
    expect(seen(viaWorker)).toEqual(seen(direct));
    expect(nodeOf(viaWorker, '4425:44250')).toMatchObject({ collapsed: true, hiddenCount: 2 });
    expect(nodeOf(viaWorker, '2:20')?.collapsed).toBe(false);
    expect(parseKey('12:34')).toEqual({ pid: 12, startTime: 34 });
    expect(parseKey('__proto__')).toBeNull();
    expect(parseKey('1:2:3')).toBeNull();
  });

  it('opens collapsed ancestors of revealed processes', () => {
    const l = layoutTree(processes, containers, { reveal: new Set(['4:40']) });
    expect(nodeOf(l, '2:20')?.collapsed).toBe(false);
    expect(rowOf(l, '4:40') >= 0).toBe(true);
  });

  it('gives aria levels and positions among siblings', () => {
    const l = layoutTree(processes, containers);
    expect(nodeOf(l, '1:10')).toMatchObject({ level: 1, posInSet: 1, setSize: 2 });
    expect(nodeOf(l, '2:20')).toMatchObject({ level: 1, posInSet: 2, setSize: 2 });
    expect(nodeOf(l, '500:5000')).toMatchObject({ level: 2, posInSet: 3, setSize: 3 });
    expect(nodeOf(l, '4431:44310')).toMatchObject({ level: 4, posInSet: 2, setSize: 2 });
  });

  it('finds a row by key, by search in sorted input and by a map otherwise', () => {
    const sorted = [...processes].sort((a, b) => a.pid - b.pid || a.startTime - b.startTime);
    const shuffled = [...sorted].reverse();
    for (const list of [sorted, shuffled]) {
      const l = layoutTree(list, containers, { showKernelThreads: true });
      expect(l.input.sorted).toBe(list === sorted);
      for (let r = 0; r < l.size; r++) expect(rowOf(l, keyAt(l, r))).toBe(r);
      expect(rowOf(l, '4430:1')).toBe(-1);
      expect(rowOf(l, '99999:1')).toBe(-1);
      expect(rowOf(l, 'nonsense')).toBe(-1);
    }
    // Drawn or not: a collapsed kernel thread has no row.
    expect(rowOf(layoutTree(sorted, containers), '3:30')).toBe(-1);
  });

  it('finds rows by y, for culling', () => {
    const l = layoutTree(processes, containers);
    expect(rowAtY(l, -100)).toBe(0);
    expect(rowAtY(l, 100)).toBe(rowOf(l, '4430:44300'));
    expect(rowAtY(l, 114)).toBe(rowOf(l, '4430:44300'));
    expect(rowAtY(l, 1e9)).toBe(l.size);
  });

  it('draws a window of rows with one trunk per ancestor whose children go on past it', () => {
    const l = layoutTree(processes, containers);
    const row = rowOf(l, '4430:44300') as number;
    const links = linksIn(l, row, row + 1);
    expect(links.map((k) => k.key)).toEqual([
      'trunk:4425:44250',
      'trunk:1:10',
      '4425:44250>4430:44300',
    ]);
    // systemd's trunk runs down to its last child (500), far below the window.
    expect(links[1]).toMatchObject({ x1: 0, x2: 0, y1: 0, y2: nodeOf(l, '500:5000')?.y });
    // The whole tree has one elbow per drawn child and no trunks.
    const all = linksIn(l, 0, l.size);
    expect(all.every((k) => !k.key.startsWith('trunk:'))).toBe(true);
    expect(all).toHaveLength(allNodes(l).filter((n) => n.parentKey !== null).length);
  });

  it('is empty for no processes', () => {
    const l = layoutTree([], []);
    expect(allNodes(l)).toEqual([]);
    expect(l.bounds).toEqual({ minX: 0, minY: 0, maxX: 0, maxY: 0 });
  });

  it('lays out the fixture host the same way every time', () => {
    const l = layoutTree(processes, containers);
    const rows = allNodes(l).map((n) => `${'  '.repeat(n.level - 1)}${n.key} @${n.x},${n.y}`);
    expect(rows).toMatchSnapshot();
    expect(l.groups.map((g) => ({ ...g, container: g.container?.name }))).toMatchSnapshot();
    expect(keyOf(processes[0] as { pid: number; startTime: number })).toBe('1:10');
  });
});
