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

interface Item {
  process: Process | null;
  key: string;
  children: Item[];
  /** Every child in the model, before filtering and collapsing. */
  modelChildren: number;
  hidden: number;
  collapsed: boolean;
  /** 1-based position among drawn siblings. */
  pos: number;
}

/**
 * The process holding `p.ppid` that can be p's parent: when the PID was reused, the latest one
 * started no later than p.
 */
function parentOf(
  byPid: Map<number, Process>,
  reused: Map<number, Process[]>,
  p: Process,
): Process | undefined {
  const only = byPid.get(p.ppid);
  if (!only) return undefined;
  const candidates = reused.get(p.ppid);
  if (!candidates) return only === p ? undefined : only;
  let best: Process | undefined;
  for (const c of candidates) {
    if (c === p || c.startTime > p.startTime) continue;
    if (!best || c.startTime > best.startTime) best = c;
  }
  return best ?? candidates.find((c) => c !== p);
}

function byStart(a: Process, b: Process): number {
  return a.startTime - b.startTime || a.pid - b.pid;
}

function countDescendants(
  p: Process,
  childrenOf: Map<Process, Process[]>,
  keep: Set<Process> | null,
): number {
  // Iterative: a fork chain thousands deep must not overflow the stack.
  let n = 0;
  const stack = [p];
  while (stack.length) {
    const top = stack.pop() as Process;
    for (const c of childrenOf.get(top) ?? []) {
      if (keep && !keep.has(c)) continue;
      n += 1;
      stack.push(c);
    }
  }
  return n;
}

export function layoutTree(
  processes: readonly Process[],
  containers: readonly Container[],
  options: Partial<LayoutOptions> = {},
): Layout {
  const opts: LayoutOptions = { ...defaultLayoutOptions, ...options };
  const k = keyOf;
  // One process per PID; a reused PID listed twice (mid-scan) also goes to `reused`.
  const byPid = new Map<number, Process>();
  const reused = new Map<number, Process[]>();
  for (const p of processes) {
    const held = byPid.get(p.pid);
    if (held) reused.set(p.pid, [...(reused.get(p.pid) ?? [held]), p]);
    else byPid.set(p.pid, p);
  }

  // Keyed by process object, not by key string: cheaper to hash and no strings to build.
  const parentOfP = new Map<Process, Process | null>();
  const childrenOf = new Map<Process, Process[]>();
  const byKey0 = new Map<string, Process>();
  const roots: Process[] = [];
  const kthreadd = new Set<Process>();
  for (const p of processes) {
    const parent = p.ppid === 0 ? undefined : parentOf(byPid, reused, p);
    if (parent) {
      parentOfP.set(p, parent);
      const list = childrenOf.get(parent);
      if (list) list.push(p);
      else childrenOf.set(parent, [p]);
    } else {
      parentOfP.set(p, null);
      roots.push(p);
      // kthreadd: the kernel thread at the top of the kernel-thread tree (its ppid is 0).
      if (p.kernelThread) kthreadd.add(p);
    }
  }
  for (const list of childrenOf.values()) list.sort(byStart);
  roots.sort(byStart);

  // Filter: keep matches and every ancestor of a match.
  let keep: Set<Process> | null = null;
  if (opts.filter) {
    keep = new Set();
    for (const p of processes) {
      if (!opts.filter(p)) continue;
      let up: Process | null | undefined = p;
      while (up && !keep.has(up)) {
        keep.add(up);
        up = parentOfP.get(up);
      }
    }
  }

  // Ancestors of revealed keys are forced open.
  const forcedOpen = new Set<Process>();
  if (opts.reveal.size) for (const p of processes) byKey0.set(k(p), p);
  for (const r of opts.reveal) {
    const target = byKey0.get(r);
    let up = target ? parentOfP.get(target) : undefined;
    while (up && !forcedOpen.has(up)) {
      forcedOpen.add(up);
      up = parentOfP.get(up);
    }
  }

  const isCollapsed = (p: Process, key: string): boolean => {
    if (forcedOpen.has(p)) return false;
    const t = opts.toggles.get(key);
    if (t !== undefined) return !t;
    return kthreadd.has(p) && !opts.showKernelThreads;
  };

  const build = (p: Process): Item => {
    const key = k(p);
    const all = childrenOf.get(p);
    const kids = all && keep ? all.filter((c) => keep.has(c)) : (all ?? []);
    const item: Item = {
      process: p,
      key,
      children: [],
      modelChildren: all?.length ?? 0,
      hidden: 0,
      collapsed: false,
      pos: 1,
    };
    if (kids.length > 0 && isCollapsed(p, key)) {
      item.collapsed = true;
      item.hidden = countDescendants(p, childrenOf, keep);
      return item;
    }
    const children: Item[] = new Array(kids.length);
    for (let i = 0; i < kids.length; i++) {
      const c = build(kids[i] as Process);
      c.pos = i + 1;
      children[i] = c;
    }
    item.children = children;
    return item;
  };

  const top: Item = {
    process: null,
    key: '',
    children: roots.filter((r) => !keep || keep.has(r)).map(build),
    modelChildren: roots.length,
    hidden: 0,
    collapsed: false,
    pos: 1,
  };
  top.children.forEach((c, i) => {
    c.pos = i + 1;
  });

  const root = hierarchy(top, (d) => d.children);

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
  root.eachBefore((n: HierarchyNode<Item>) => {
    const p = n.data.process;
    if (!p) return;
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
    const parentKey = n.parent?.data.process ? n.parent.data.key : null;
    const node: LayoutNode = {
      key: n.data.key,
      pid: p.pid,
      startTime: p.startTime,
      x,
      y,
      level: n.depth,
      posInSet: n.data.pos,
      setSize: n.parent?.children?.length ?? 1,
      parentKey,
      childCount: n.data.modelChildren,
      hiddenCount: n.data.hidden,
      collapsed: n.data.collapsed,
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
