import type { Container, Process } from '@pidscope/protocol';
import { type HierarchyNode, hierarchy } from 'd3-hierarchy';
import { keyOf } from './keys.js';

/**
 * The tree layout: a pure function from processes to positions. D3 computes, React draws
 * (see components/ProcessTree.tsx). An indented tree, one row per process in pre-order (the
 * shape of pstree and htop's tree view): labels never overlap, every container's processes are
 * contiguous rows inside one labelled box, and rows make culling a range lookup.
 * Coordinates are layout pixels: x grows with depth, y with rows; a node's (x, y) is its dot.
 */

export interface LayoutOptions {
  /** Row height and column width in layout pixels. */
  rowHeight: number;
  indent: number;
  /** Kernel threads are drawn (kthreadd expanded) when true; kthreadd starts collapsed when false. */
  showKernelThreads: boolean;
  /** Explicit user toggles, by process key: true = expanded, false = collapsed. */
  toggles: ReadonlyMap<string, boolean>;
  /** Keys that must be visible: their ancestors are expanded (search matches, the selection). */
  reveal: ReadonlySet<string>;
  /** When set, only matching processes and their ancestors are laid out. */
  filter: ((p: Process) => boolean) | null;
}

export const defaultLayoutOptions: LayoutOptions = {
  rowHeight: 22,
  indent: 20,
  showKernelThreads: false,
  toggles: new Map(),
  reveal: new Set(),
  filter: null,
};

export interface LayoutNode {
  key: string;
  pid: number;
  startTime: number;
  x: number;
  y: number;
  /** aria-level: 1 for roots. */
  level: number;
  /** aria-posinset / aria-setsize among the drawn siblings. */
  posInSet: number;
  setSize: number;
  parentKey: string | null;
  /** Children in the model, drawn or not. */
  childCount: number;
  /** Descendants not drawn because this node or one below it is collapsed. */
  hiddenCount: number;
  /** Has children and they are not drawn. */
  collapsed: boolean;
  containerId: string | null;
}

export interface LayoutLink {
  key: string;
  sourceKey: string;
  targetKey: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface LayoutGroup {
  containerId: string;
  container: Container | null;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export interface Layout {
  nodes: LayoutNode[];
  links: LayoutLink[];
  groups: LayoutGroup[];
  bounds: Bounds;
  byKey: Map<string, LayoutNode>;
  /** Drawn keys in pre-order (the order a keyboard walks the tree). */
  order: string[];
}

/** The header band drawn above each container group, in layout pixels. */
export const GROUP_HEADER = 26;
/** Space left of a group's shallowest process, and below each group. */
const GROUP_PAD = 12;
const GROUP_GAP = 8;
/** Wide enough for a group header such as "web · busybox:local · 3f2a1b9c0d1e · no init". */
export const GROUP_MIN_WIDTH = 340;
/** Room for a node's label to the right of its dot. */
export const LABEL_WIDTH = 300;

/**
 * Room for a group's header ("name image 0123456789ab no init pids 32/32"), estimated at the
 * header font's average glyph width so the text stays inside its box.
 */
function headerWidth(c: Container | null): number {
  if (!c) return 0;
  const text = `${c.name} ${c.image} 0123456789ab no init pids 9999/9999`;
  return text.length * 6.9 + 24;
}

function byStart(a: Process, b: Process): number {
  return a.startTime - b.startTime || a.pid - b.pid;
}

/**
 * The tree's structure over positions in `processes` (typed arrays, not maps keyed by object:
 * this runs on every patch that changes the shape, and Map writes and their garbage dominated it).
 */
interface Structure {
  /** Parent's position, or -1 for a root. */
  parent: Int32Array;
  /** Children of position i are childIdx[childStart[i] .. childStart[i + 1]), by start time. */
  childStart: Int32Array;
  childIdx: Int32Array;
  roots: number[];
}

function structure(processes: readonly Process[]): Structure {
  const n = processes.length;
  const at = (i: number) => processes[i] as Process;
  // One position per PID; a reused PID listed twice (mid-scan) also goes to `reused`.
  const byPid = new Map<number, number>();
  let reused: Map<number, number[]> | null = null;
  for (let i = 0; i < n; i++) {
    const pid = at(i).pid;
    const held = byPid.get(pid);
    if (held === undefined) byPid.set(pid, i);
    else {
      reused ??= new Map();
      reused.set(pid, [...(reused.get(pid) ?? [held]), i]);
    }
  }
  // The process holding `p.ppid` that can be p's parent: when the PID was reused, the latest one
  // started no later than p.
  const parentOf = (i: number): number => {
    const p = at(i);
    if (p.ppid === 0) return -1;
    const only = byPid.get(p.ppid);
    if (only === undefined) return -1;
    const candidates = reused?.get(p.ppid);
    if (!candidates) return only === i ? -1 : only;
    let best = -1;
    for (const c of candidates) {
      if (c === i || at(c).startTime > p.startTime) continue;
      if (best < 0 || at(c).startTime > at(best).startTime) best = c;
    }
    return best >= 0 ? best : (candidates.find((c) => c !== i) ?? -1);
  };

  const parent = new Int32Array(n);
  const childStart = new Int32Array(n + 1);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    const up = parentOf(i);
    parent[i] = up;
    if (up >= 0) childStart[up + 1] = (childStart[up + 1] as number) + 1;
    else roots.push(i);
  }
  for (let i = 0; i < n; i++)
    childStart[i + 1] = (childStart[i + 1] as number) + (childStart[i] as number);
  const fill = childStart.slice(0, n);
  const childIdx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const up = parent[i] as number;
    if (up < 0) continue;
    const slot = fill[up] as number;
    childIdx[slot] = i;
    fill[up] = slot + 1;
  }
  const cmp = (a: number, b: number) => byStart(at(a), at(b));
  for (let i = 0; i < n; i++) {
    const from = childStart[i] as number;
    const to = childStart[i + 1] as number;
    if (to - from > 1) childIdx.subarray(from, to).sort(cmp);
  }
  roots.sort(cmp);
  return { parent, childStart, childIdx, roots };
}

export function layoutTree(
  processes: readonly Process[],
  containers: readonly Container[],
  options: Partial<LayoutOptions> = {},
): Layout {
  const opts: LayoutOptions = { ...defaultLayoutOptions, ...options };
  const k = keyOf;
  const n = processes.length;
  const at = (i: number) => processes[i] as Process;
  const { parent, childStart, childIdx, roots } = structure(processes);

  // Filter: keep matches and every ancestor of a match.
  let keep: Uint8Array | null = null;
  if (opts.filter) {
    keep = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (!opts.filter(at(i))) continue;
      let up = i;
      while (up >= 0 && !keep[up]) {
        keep[up] = 1;
        up = parent[up] as number;
      }
    }
  }

  // Ancestors of revealed keys are forced open.
  const forcedOpen = new Uint8Array(n);
  if (opts.reveal.size) {
    const byKey0 = new Map<string, number>();
    for (let i = 0; i < n; i++) byKey0.set(k(at(i)), i);
    for (const r of opts.reveal) {
      const target = byKey0.get(r);
      let up = target === undefined ? -1 : (parent[target] as number);
      while (up >= 0 && !forcedOpen[up]) {
        forcedOpen[up] = 1;
        up = parent[up] as number;
      }
    }
  }

  const isCollapsed = (i: number, key: string): boolean => {
    if (forcedOpen[i]) return false;
    const t = opts.toggles.get(key);
    if (t !== undefined) return !t;
    // kthreadd: the kernel thread at the top of the kernel-thread tree (a root; its ppid is 0).
    return parent[i] === -1 && at(i).kernelThread && !opts.showKernelThreads;
  };

  const countDescendants = (i: number): number => {
    // Iterative: a fork chain thousands deep must not overflow the stack.
    let count = 0;
    const stack = [i];
    while (stack.length) {
      const top = stack.pop() as number;
      for (let j = childStart[top] as number; j < (childStart[top + 1] as number); j++) {
        const c = childIdx[j] as number;
        if (keep && !keep[c]) continue;
        count += 1;
        stack.push(c);
      }
    }
    return count;
  };

  // The drawn children of position i (the top is -1: the roots), or none when i is collapsed.
  // D3 asks once per node; what it learns of each node goes to typed arrays, not per-node objects.
  const collapsed = new Uint8Array(n);
  const hidden = new Int32Array(n);
  const drawnChildren = (i: number): number[] | undefined => {
    if (i < 0) return keep ? roots.filter((r) => keep[r]) : roots;
    const from = childStart[i] as number;
    const to = childStart[i + 1] as number;
    if (from === to) return undefined;
    const kids: number[] = [];
    for (let j = from; j < to; j++) {
      const c = childIdx[j] as number;
      if (!keep || keep[c]) kids.push(c);
    }
    if (kids.length > 0 && isCollapsed(i, k(at(i)))) {
      collapsed[i] = 1;
      hidden[i] = countDescendants(i);
      return undefined;
    }
    return kids;
  };
  const root = hierarchy<number>(-1, drawnChildren);

  // Pre-order meets siblings in order: a count per parent (slot 0 for the top) is the position.
  const seenChildren = new Int32Array(n + 1);
  const position = (up: number): number => {
    const slot = up + 1;
    seenChildren[slot] = (seenChildren[slot] as number) + 1;
    return seenChildren[slot] as number;
  };
  const nodes: LayoutNode[] = [];
  const links: LayoutLink[] = [];
  const byKey = new Map<string, LayoutNode>();
  const order: string[] = [];
  const groups: LayoutGroup[] = [];
  const byId = new Map(containers.map((c) => [c.id, c]));
  let maxX = 0;
  let y = 0;
  let run: { group: LayoutGroup; maxX: number } | null = null;
  const closeRun = () => {
    if (!run) return;
    run.group.width = Math.max(
      run.maxX - run.group.x + LABEL_WIDTH,
      GROUP_MIN_WIDTH,
      headerWidth(run.group.container),
    );
    run.group.height = y - run.group.y - opts.rowHeight / 2;
    maxX = Math.max(maxX, run.group.x + run.group.width);
    run = null;
    y += GROUP_GAP;
  };

  // Pre-order walk: one row per drawn process, as pstree and htop's tree view show it.
  root.eachBefore((n: HierarchyNode<number>) => {
    const i = n.data;
    if (i < 0) return;
    const p = at(i);
    const key = k(p);
    const x = (n.depth - 1) * opts.indent;
    const cid = p.containerId;
    if (run && run.group.containerId !== cid) closeRun();
    if (cid && !run) {
      y += GROUP_HEADER;
      run = {
        group: {
          containerId: cid,
          container: byId.get(cid) ?? null,
          x: x - GROUP_PAD,
          y: y - GROUP_HEADER - opts.rowHeight / 2,
          width: 0,
          height: 0,
        },
        maxX: x,
      };
      groups.push(run.group);
    }
    if (run) {
      run.maxX = Math.max(run.maxX, x);
      run.group.x = Math.min(run.group.x, x - GROUP_PAD);
    }
    const up = n.parent?.data ?? -1;
    const parentKey = up >= 0 ? k(at(up)) : null;
    const siblings = n.parent?.children;
    const node: LayoutNode = {
      key,
      pid: p.pid,
      startTime: p.startTime,
      x,
      y,
      level: n.depth,
      posInSet: position(up),
      setSize: siblings?.length ?? 1,
      parentKey,
      childCount: (childStart[i + 1] as number) - (childStart[i] as number),
      hiddenCount: hidden[i] as number,
      collapsed: collapsed[i] === 1,
      containerId: cid,
    };
    nodes.push(node);
    byKey.set(node.key, node);
    order.push(node.key);
    maxX = Math.max(maxX, x + LABEL_WIDTH);
    const parent = parentKey ? byKey.get(parentKey) : undefined;
    if (parent) {
      links.push({
        key: `${parent.key}>${node.key}`,
        sourceKey: parent.key,
        targetKey: node.key,
        x1: parent.x,
        y1: parent.y,
        x2: x,
        y2: y,
      });
    }
    y += opts.rowHeight;
  });
  closeRun();

  const bounds: Bounds = nodes.length
    ? {
        minX: Math.min(0, ...groups.map((g) => g.x)),
        minY: Math.min(-opts.rowHeight / 2, ...groups.map((g) => g.y)),
        maxX,
        maxY: y,
      }
    : { minX: 0, minY: 0, maxX: 0, maxY: 0 };
  return { nodes, links, groups, bounds, byKey, order };
}
