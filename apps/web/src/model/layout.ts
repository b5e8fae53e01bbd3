import type { Container, Process } from '@pidscope/protocol';
import { lowerBoundOf, parseKey } from './keys.js';

/**
 * The tree layout: a pure function from processes to positions; React draws them (see
 * components/tree/). An indented tree, one row per process in pre-order (the shape of
 * pstree and htop's tree view): labels never overlap, every container's processes are contiguous
 * rows inside one labelled box, and rows make culling a range lookup. An indented tree needs no
 * tidy-tree maths, only a walk: d3-hierarchy's node objects cost more than the walk itself at
 * 5,000 processes a patch, so the walk is done here over typed arrays.
 * Coordinates are layout pixels: x grows with depth, y with rows; a node's (x, y) is its dot.
 */

/** What the layout needs of each process, as columns: cheap to build and to send to a worker. */
export interface LayoutInput {
  pid: Float64Array;
  ppid: Float64Array;
  startTime: Float64Array;
  /** KERNEL_THREAD | ZOMBIE bits. */
  flags: Uint8Array;
  /** Index into `containers`, or -1 outside containers (numbers: a worker gets a copy per shape). */
  container: Int32Array;
  /** The distinct container ids of the input. */
  containers: string[];
  /** In the protocol's order (pid, then start time), as states are: rows are found by search. */
  sorted: boolean;
  /** Percent of one CPU and resident bytes: zeros unless `needs.values`. */
  cpu: Float64Array;
  rss: Float64Array;
  /** Command names, when `needs.names`. */
  names: string[] | null;
  needs: InputNeeds;
}

/**
 * What the layout reads of each process besides the tree's shape, for the order and filters in
 * use. Only what is read makes a patch lay the tree out again: a CPU figure moving does nothing
 * to a tree ordered by start time.
 */
export interface InputNeeds {
  /** CPU and memory: an order by them, or the busiest filter. */
  values: boolean;
  /** Command names: an order by name. */
  names: boolean;
}

export const NO_NEEDS: InputNeeds = { values: false, names: false };

/**
 * How siblings are ordered: by start time (pstree's order, the default), busiest or largest
 * first, or by PID or name.
 */
export type SiblingOrder = 'start' | 'cpu' | 'memory' | 'pid' | 'name';

/** What the layout input must hold for an order and a busiest filter. */
export function needsOf(order: SiblingOrder, busiest: boolean): InputNeeds {
  return { values: busiest || order === 'cpu' || order === 'memory', names: order === 'name' };
}

export function sameNeeds(a: InputNeeds, b: InputNeeds): boolean {
  return a.values === b.values && a.names === b.names;
}

/** The busiest filter keeps this many processes (those using CPU), with their ancestors. */
export const BUSIEST = 20;

export const KERNEL_THREAD = 1;
export const ZOMBIE = 2;

/** A process's layout flags. */
export function flagsOf(p: Process): number {
  return (p.kernelThread ? KERNEL_THREAD : 0) | (p.state === 'Z' ? ZOMBIE : 0);
}

/** Only matching processes and their ancestors are laid out. */
export interface LayoutFilter {
  zombiesOnly: boolean;
  /** A container id, '' for every container, or 'host' for processes outside containers. */
  container: string;
  /** The BUSIEST processes by CPU (of those the other filters keep). */
  busiest: boolean;
}

export interface LayoutOptions {
  /** Row height and column width in layout pixels. */
  rowHeight: number;
  indent: number;
  /** Kernel threads are drawn (kthreadd expanded) when true; kthreadd starts collapsed when false. */
  showKernelThreads: boolean;
  /** Explicit user toggles, by process key ("pid:startTime"): true = expanded, false = collapsed. */
  toggles: ReadonlyMap<string, boolean>;
  /** Keys that must be visible: their ancestors are expanded (search matches, the selection). */
  reveal: ReadonlySet<string>;
  filter: LayoutFilter | null;
  /** Draw only this process (by key) and its descendants; every process when null or gone. */
  focus: string | null;
  order: SiblingOrder;
  /** Siblings whose subtree holds container processes come first (before browsers and shells). */
  containersFirst: boolean;
}

export const defaultLayoutOptions: LayoutOptions = {
  rowHeight: 22,
  indent: 20,
  showKernelThreads: false,
  toggles: new Map(),
  reveal: new Set(),
  filter: null,
  focus: null,
  order: 'start',
  containersFirst: false,
};

/** One drawn row, materialised on demand (for the rows in view, tests and lookups). */
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
  /** The first container drawn in the box. */
  containerId: string;
  container: Container | null;
  /**
   * Every container drawn in the box: more than one when they share a PID namespace ([S9]), each
   * hanging under its own shim, whose rows then sit in the box too.
   */
  containerIds: string[];
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

/**
 * The drawn rows in pre-order, as columns: row r is at (x[r], y[r]) and y grows with r. Columns
 * rather than one object per row because this is rebuilt on every patch that changes the tree's
 * shape, and 5,000 row objects, link objects and their garbage were most of a patch's main-thread
 * time. Objects are made for the rows in view only (`nodeAt`, `linksIn`).
 */
export interface Layout {
  /** Drawn rows. */
  size: number;
  x: Float64Array;
  y: Float64Array;
  level: Int32Array;
  posInSet: Int32Array;
  setSize: Int32Array;
  /** The drawn parent's row, or -1 for a root. */
  parent: Int32Array;
  /** The row of the last drawn child, or -1. */
  lastChild: Int32Array;
  childCount: Int32Array;
  hiddenCount: Int32Array;
  /** 1 when the row has children that are not drawn. */
  collapsed: Uint8Array;
  /** The row's position in the input. */
  source: Int32Array;
  /** The row of each input position, or -1 when it is not drawn. */
  rowOfSource: Int32Array;
  input: LayoutInput;
  groups: LayoutGroup[];
  bounds: Bounds;
}

/** What the walk computes: a Layout without its input, which the main thread already holds. */
export type LayoutColumns = Omit<Layout, 'input'>;

/**
 * Row r's process key ("pid:startTime"), built when asked: rows are walked in this order by the
 * keyboard, and only the rows in view need keys, so a layout holds no array or map of 5,000.
 */
export function keyAt(l: Layout, r: number): string {
  const i = l.source[r] as number;
  return `${l.input.pid[i]}:${l.input.startTime[i]}`;
}

const unsortedRows = new WeakMap<Layout, Map<string, number>>();

/** The row of a process by key, or -1 when it is not drawn. */
export function rowOf(l: Layout, key: string): number {
  const id = parseKey(key);
  if (!id) return -1;
  const { pid, startTime } = l.input;
  if (!l.input.sorted) {
    let rows = unsortedRows.get(l);
    if (!rows) {
      rows = new Map();
      for (let r = 0; r < l.size; r++) rows.set(keyAt(l, r), r);
      unsortedRows.set(l, rows);
    }
    return rows.get(key) ?? -1;
  }
  // The input is in the protocol's order (pid, then start time): a binary search.
  const at = (a: Float64Array) => (i: number) => a[i] as number;
  const i = lowerBoundOf(pid.length, at(pid), at(startTime), id.pid, id.startTime);
  if (i >= pid.length || pid[i] !== id.pid || startTime[i] !== id.startTime) return -1;
  return l.rowOfSource[i] as number;
}

/** Row r as an object. */
export function nodeAt(l: Layout, r: number): LayoutNode {
  const i = l.source[r] as number;
  const up = l.parent[r] as number;
  return {
    key: keyAt(l, r),
    pid: l.input.pid[i] as number,
    startTime: l.input.startTime[i] as number,
    x: l.x[r] as number,
    y: l.y[r] as number,
    level: l.level[r] as number,
    posInSet: l.posInSet[r] as number,
    setSize: l.setSize[r] as number,
    parentKey: up >= 0 ? keyAt(l, up) : null,
    childCount: l.childCount[r] as number,
    hiddenCount: l.hiddenCount[r] as number,
    collapsed: l.collapsed[r] === 1,
    containerId: containerOf(l.input, i),
  };
}

/** The drawn row of a process, as an object; undefined when it is not drawn. */
export function nodeOf(l: Layout, key: string): LayoutNode | undefined {
  const r = rowOf(l, key);
  return r < 0 ? undefined : nodeAt(l, r);
}

/** Every drawn row, as objects (tests and small trees). */
export function allNodes(l: Layout): LayoutNode[] {
  const out: LayoutNode[] = [];
  for (let r = 0; r < l.size; r++) out.push(nodeAt(l, r));
  return out;
}

/** The first row whose y is ≥ y. */
export function rowAtY(l: Layout, y: number): number {
  let lo = 0;
  let hi = l.size;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((l.y[mid] as number) < y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function elbow(l: Layout, up: number, r: number): LayoutLink {
  const sourceKey = keyAt(l, up);
  const targetKey = keyAt(l, r);
  return {
    key: `${sourceKey}>${targetKey}`,
    sourceKey,
    targetKey,
    x1: l.x[up] as number,
    y1: l.y[up] as number,
    x2: l.x[r] as number,
    y2: l.y[r] as number,
  };
}

/** The vertical line alone (x2 === x1), from a parent down to its last drawn child. */
function trunk(l: Layout, up: number): LayoutLink {
  const sourceKey = keyAt(l, up);
  const x = l.x[up] as number;
  return {
    key: `trunk:${sourceKey}`,
    sourceKey,
    targetKey: '',
    x1: x,
    y1: l.y[up] as number,
    x2: x,
    y2: l.y[l.lastChild[up] as number] as number,
  };
}

/**
 * The edges to draw for rows [from, to): an elbow from each row's parent, plus one trunk (the
 * vertical line alone) for each ancestor of the first row whose children go on past it. A
 * parent with 1,000 children far below needs one line here, not 1,000. Trunks come first, so an
 * elbow's marking is drawn over them.
 */
export function linksIn(l: Layout, from: number, to: number): LayoutLink[] {
  const out: LayoutLink[] = [];
  if (from < to) {
    for (let a = l.parent[from] as number; a >= 0; a = l.parent[a] as number) {
      if ((l.lastChild[a] as number) > from) out.push(trunk(l, a));
    }
  }
  for (let r = from; r < to; r++) {
    const up = l.parent[r] as number;
    if (up >= 0) out.push(elbow(l, up, r));
  }
  return out;
}

/** The header band drawn above each container group, in layout pixels. */
export const GROUP_HEADER = 26;
/** Space left of a group's shallowest process, and below each group. */
const GROUP_PAD = 12;
const GROUP_GAP = 8;
/** Wide enough for a group header such as "web busybox:local 3f2a1b9c0d1e no init". */
export const GROUP_MIN_WIDTH = 340;
/** Room for a node's label to the right of its dot. */
export const LABEL_WIDTH = 300;

/**
 * Room for a group's header ("name image 0123456789ab no init pids 32/32"), estimated at the
 * header font's average glyph width so the text stays inside its box.
 */
function headerWidth(c: Container | null): number {
  if (!c) return 0;
  const text = `${c.name} ${c.image} 0123456789ab no init pids 9999/9999 cpu 100% 999 MB`;
  return text.length * 6.9 + 24;
}

function containerOf(input: LayoutInput, i: number): string | null {
  const c = input.container[i] as number;
  return c < 0 ? null : (input.containers[c] ?? null);
}

/**
 * Columns of n entries carved from one buffer, widest first so every view is aligned: a layout
 * is one ArrayBuffer each way instead of one per column. Every buffer is an object the garbage
 * collector sweeps one by one, and a patch a second made 17 of them.
 */
class Columns {
  private readonly buffer: ArrayBuffer;
  private offset = 0;
  constructor(
    private readonly n: number,
    f64: number,
    i32: number,
    u8: number,
  ) {
    this.buffer = new ArrayBuffer(n * (8 * f64 + 4 * i32 + u8));
  }
  private take(bytes: number): number {
    const at = this.offset;
    this.offset += bytes * this.n;
    if (this.offset > this.buffer.byteLength) throw new Error('columns: buffer overrun');
    return at;
  }
  f64(): Float64Array {
    return new Float64Array(this.buffer, this.take(8), this.n);
  }
  i32(): Int32Array {
    return new Int32Array(this.buffer, this.take(4), this.n);
  }
  u8(): Uint8Array {
    return new Uint8Array(this.buffer, this.take(1), this.n);
  }
}

/** The columns of a process list (the main thread builds these on every shape change). */
export function layoutInput(
  processes: readonly Process[],
  needs: InputNeeds = NO_NEEDS,
): LayoutInput {
  const n = processes.length;
  const cols = new Columns(n, 5, 1, 1);
  const input: LayoutInput = {
    pid: cols.f64(),
    ppid: cols.f64(),
    startTime: cols.f64(),
    cpu: cols.f64(),
    rss: cols.f64(),
    container: cols.i32(),
    flags: cols.u8(),
    containers: [],
    sorted: true,
    names: needs.names ? processes.map((p) => p.comm) : null,
    needs,
  };
  const slot = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const p = processes[i] as Process;
    input.pid[i] = p.pid;
    input.ppid[i] = p.ppid;
    input.startTime[i] = p.startTime;
    if (i > 0) {
      const q = processes[i - 1] as Process;
      if (q.pid > p.pid || (q.pid === p.pid && q.startTime > p.startTime)) input.sorted = false;
    }
    input.flags[i] = flagsOf(p);
    if (needs.values) {
      input.cpu[i] = p.cpu;
      input.rss[i] = p.rssBytes;
    }
    let c = -1;
    if (p.containerId !== null) {
      c = slot.get(p.containerId) ?? -1;
      if (c < 0) {
        c = input.containers.push(p.containerId) - 1;
        slot.set(p.containerId, c);
      }
    }
    input.container[i] = c;
  }
  return input;
}

/**
 * The tree's structure over positions in the input (typed arrays, not maps keyed by object:
 * this runs on every patch that changes the shape, and Map writes and their garbage dominated it).
 */
interface Structure {
  /** Parent's position, or -1 for a root. */
  parent: Int32Array;
  /** Children of position i are childIdx[childStart[i] .. childStart[i + 1]), by start time. */
  childStart: Int32Array;
  childIdx: Int32Array;
  roots: number[];
  /** The position of a process by identity, or -1. */
  find(pid: number, startTime: number): number;
}

/** The order of siblings (and of roots), as a comparator over input positions. */
function siblingOrder(input: LayoutInput, opts: LayoutOptions, parent: Int32Array): Comparator {
  const { pid, startTime, cpu, rss, names } = input;
  const byStart: Comparator = (a, b) =>
    (startTime[a] as number) - (startTime[b] as number) || (pid[a] as number) - (pid[b] as number);
  let by = byStart;
  if (opts.order === 'cpu') by = (a, b) => (cpu[b] as number) - (cpu[a] as number) || byStart(a, b);
  if (opts.order === 'memory') {
    by = (a, b) => (rss[b] as number) - (rss[a] as number) || byStart(a, b);
  }
  if (opts.order === 'pid') by = (a, b) => (pid[a] as number) - (pid[b] as number) || byStart(a, b);
  if (opts.order === 'name' && names) {
    by = (a, b) => {
      const x = names[a] as string;
      const y = names[b] as string;
      return x < y ? -1 : x > y ? 1 : byStart(a, b);
    };
  }
  if (!opts.containersFirst) return by;
  // A process holds containers when it or a descendant is in one: each container process marks
  // its ancestors, stopping where an earlier one already did.
  const holds = new Uint8Array(pid.length);
  for (let i = 0; i < pid.length; i++) {
    if ((input.container[i] as number) < 0) continue;
    for (let up = i; up >= 0 && !holds[up]; up = parent[up] as number) holds[up] = 1;
  }
  return (a, b) => (holds[b] as number) - (holds[a] as number) || by(a, b);
}

type Comparator = (a: number, b: number) => number;

/**
 * Containers that share a PID namespace ([S9]) are one group, named by the smallest id among them;
 * a container of its own is its own group.
 */
export function pidNamespaceGroups(containers: readonly Container[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of containers) {
    const ids = [c.id, ...c.sharesPidNamespaceWith];
    out.set(c.id, [...ids].sort()[0] as string);
  }
  return out;
}

/**
 * The shared PID-namespace group (index into `names`) each process's subtree holds, or -1: a
 * container process marks its ancestors up to where another already did.
 */
function heldGroups(input: LayoutInput, parent: Int32Array, groups: ReadonlyMap<string, string>) {
  const names: string[] = [];
  const held = new Int32Array(input.pid.length).fill(-1);
  const shared = new Map<string, number>();
  for (const [id, g] of groups) {
    if (id !== g || [...groups.values()].filter((x) => x === g).length > 1) {
      if (!shared.has(g)) shared.set(g, names.push(g) - 1);
    }
  }
  if (shared.size === 0) return { names, held };
  for (let i = 0; i < input.pid.length; i++) {
    const cid = containerOf(input, i);
    const g = cid === null ? undefined : shared.get(groups.get(cid) ?? '');
    if (g === undefined) continue;
    for (let up = i; up >= 0 && held[up] !== g; up = parent[up] as number) held[up] = g;
  }
  return { names, held };
}

/**
 * Siblings whose subtrees hold the same shared PID namespace are moved next to the first of them,
 * so the containers of that namespace are drawn in one box.
 */
function bringTogether(list: Int32Array | number[], held: Int32Array): void {
  const order = [...list];
  const first = new Map<number, number[]>();
  for (const i of order) {
    const g = held[i] as number;
    if (g < 0) continue;
    const run = first.get(g);
    if (run) run.push(i);
    else first.set(g, [i]);
  }
  if (first.size === 0) return;
  let k = 0;
  const placed = new Set<number>();
  for (const i of order) {
    if (placed.has(i)) continue;
    const g = held[i] as number;
    for (const j of g < 0 ? [i] : (first.get(g) as number[])) {
      list[k++] = j;
      placed.add(j);
    }
  }
}

function structure(
  input: LayoutInput,
  opts: LayoutOptions,
  groups: ReadonlyMap<string, string>,
): Structure & { held: Int32Array; groupNames: string[] } {
  const { pid, ppid, startTime } = input;
  const n = pid.length;
  // One position per PID; a reused PID listed twice (mid-scan) also goes to `reused`.
  const byPid = new Map<number, number>();
  let reused: Map<number, number[]> | null = null;
  for (let i = 0; i < n; i++) {
    const held = byPid.get(pid[i] as number);
    if (held === undefined) byPid.set(pid[i] as number, i);
    else {
      reused ??= new Map();
      reused.set(pid[i] as number, [...(reused.get(pid[i] as number) ?? [held]), i]);
    }
  }
  const st = (i: number) => startTime[i] as number;
  // The process holding `ppid` that can be i's parent: when the PID was reused, the latest one
  // started no later than i.
  const parentOf = (i: number): number => {
    const up = ppid[i] as number;
    if (up === 0) return -1;
    const only = byPid.get(up);
    if (only === undefined) return -1;
    const candidates = reused?.get(up);
    if (!candidates) return only === i ? -1 : only;
    let best = -1;
    for (const c of candidates) {
      if (c === i || st(c) > st(i)) continue;
      if (best < 0 || st(c) > st(best)) best = c;
    }
    return best >= 0 ? best : (candidates.find((c) => c !== i) ?? -1);
  };
  const find = (p: number, start: number): number => {
    const candidates = reused?.get(p) ?? [byPid.get(p) ?? -1];
    return candidates.find((c) => c >= 0 && st(c) === start) ?? -1;
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
  const cmp = siblingOrder(input, opts, parent);
  const { names: groupNames, held } = heldGroups(input, parent, groups);
  for (let i = 0; i < n; i++) {
    const from = childStart[i] as number;
    const to = childStart[i + 1] as number;
    if (to - from <= 1) continue;
    const kids = childIdx.subarray(from, to).sort(cmp);
    if (groupNames.length > 0) bringTogether(kids, held);
  }
  roots.sort(cmp);
  if (groupNames.length > 0) bringTogether(roots, held);
  return { parent, childStart, childIdx, roots, find, held, groupNames };
}

function matches(input: LayoutInput, i: number, f: LayoutFilter): boolean {
  if (f.zombiesOnly && !((input.flags[i] as number) & ZOMBIE)) return false;
  const cid = containerOf(input, i);
  if (f.container === 'host') return cid === null;
  if (f.container && cid !== f.container) return false;
  return true;
}

/**
 * The walk over columns: what a worker runs. Rows carry input positions (`source`); the caller
 * turns them into keys.
 */
export function layoutColumns(
  input: LayoutInput,
  containers: readonly Container[],
  options: Partial<LayoutOptions> = {},
): LayoutColumns {
  const opts: LayoutOptions = { ...defaultLayoutOptions, ...options };
  const n = input.pid.length;
  const groupOf = pidNamespaceGroups(containers);
  const { parent, childStart, childIdx, roots, find, held, groupNames } = structure(
    input,
    opts,
    groupOf,
  );

  // Filter: keep matches and every ancestor of a match.
  let keep: Uint8Array | null = null;
  const filter = opts.filter;
  if (filter && (filter.zombiesOnly || filter.container || filter.busiest)) {
    keep = new Uint8Array(n);
    let kept: number[] = [];
    for (let i = 0; i < n; i++) if (matches(input, i, filter)) kept.push(i);
    if (filter.busiest) {
      const { cpu } = input;
      kept = kept
        .filter((i) => (cpu[i] as number) > 0)
        .sort((a, b) => (cpu[b] as number) - (cpu[a] as number))
        .slice(0, BUSIEST);
    }
    for (const i of kept) {
      let up = i;
      while (up >= 0 && !keep[up]) {
        keep[up] = 1;
        up = parent[up] as number;
      }
    }
  }

  // Ancestors of revealed keys are forced open.
  const forcedOpen = new Uint8Array(n);
  for (const key of opts.reveal) {
    const id = parseKey(key);
    const target = id ? find(id.pid, id.startTime) : -1;
    let up = target < 0 ? -1 : (parent[target] as number);
    while (up >= 0 && !forcedOpen[up]) {
      forcedOpen[up] = 1;
      up = parent[up] as number;
    }
  }
  // Explicit toggles, by position.
  const toggled = new Int8Array(n);
  for (const [key, open] of opts.toggles) {
    const id = parseKey(key);
    const at = id ? find(id.pid, id.startTime) : -1;
    if (at >= 0) toggled[at] = open ? 1 : -1;
  }

  const isCollapsed = (i: number): boolean => {
    if (forcedOpen[i]) return false;
    if (toggled[i]) return toggled[i] === -1;
    // kthreadd: the kernel thread at the top of the kernel-thread tree (a root; its ppid is 0).
    return (
      parent[i] === -1 &&
      ((input.flags[i] as number) & KERNEL_THREAD) !== 0 &&
      !opts.showKernelThreads
    );
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

  const cols = new Columns(n, 2, 9, 1);
  const l: LayoutColumns = {
    size: 0,
    x: cols.f64(),
    y: cols.f64(),
    level: cols.i32(),
    posInSet: cols.i32(),
    setSize: cols.i32(),
    parent: cols.i32(),
    lastChild: cols.i32().fill(-1),
    childCount: cols.i32(),
    hiddenCount: cols.i32(),
    source: cols.i32(),
    rowOfSource: cols.i32().fill(-1),
    collapsed: cols.u8(),
    groups: [],
    bounds: { minX: 0, minY: 0, maxX: 0, maxY: 0 },
  };
  const byId = new Map(containers.map((c) => [c.id, c]));
  let maxX = 0;
  let y = 0;
  let run: { gid: string; group: LayoutGroup; maxX: number } | null = null;
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

  // Pre-order walk, one row per drawn process as pstree and htop's tree view show it. An explicit
  // stack (each process is pushed at most once) instead of a hierarchy of node objects.
  const sProc = new Int32Array(n);
  const sDepth = new Int32Array(n);
  const sParentRow = new Int32Array(n);
  const sPos = new Int32Array(n);
  const sSet = new Int32Array(n);
  let top = 0;
  const push = (i: number, depth: number, parentRow: number, pos: number, set: number) => {
    sProc[top] = i;
    sDepth[top] = depth;
    sParentRow[top] = parentRow;
    sPos[top] = pos;
    sSet[top] = set;
    top++;
  };
  const focusId = opts.focus ? parseKey(opts.focus) : null;
  const focusAt = focusId ? find(focusId.pid, focusId.startTime) : -1;
  const startAt = focusAt >= 0 ? [focusAt] : roots;
  const topRoots = keep ? startAt.filter((r) => keep[r]) : startAt;
  for (let j = topRoots.length - 1; j >= 0; j--) {
    push(topRoots[j] as number, 1, -1, j + 1, topRoots.length);
  }
  const kids: number[] = [];
  while (top > 0) {
    top--;
    const i = sProc[top] as number;
    const depth = sDepth[top] as number;
    const up = sParentRow[top] as number;
    const r = l.size++;
    const x = (depth - 1) * opts.indent;
    const cid = containerOf(input, i);
    const gid = cid === null ? null : (groupOf.get(cid) ?? cid);
    // A host row between two containers of one shared PID namespace (the second one's shim)
    // stays in their box.
    const bridge =
      cid === null &&
      run !== null &&
      (held[i] as number) >= 0 &&
      groupNames[held[i] as number] === run.gid;
    if (run && run.gid !== gid && !bridge) closeRun();
    if (cid && gid && !run) {
      y += GROUP_HEADER;
      run = {
        gid,
        group: {
          containerId: cid,
          container: byId.get(cid) ?? null,
          containerIds: [],
          x: x - GROUP_PAD,
          y: y - GROUP_HEADER - opts.rowHeight / 2,
          width: 0,
          height: 0,
        },
        maxX: x,
      };
      l.groups.push(run.group);
    }
    if (run && cid && !run.group.containerIds.includes(cid)) run.group.containerIds.push(cid);
    if (run) {
      run.maxX = Math.max(run.maxX, x);
      run.group.x = Math.min(run.group.x, x - GROUP_PAD);
    }
    l.x[r] = x;
    l.y[r] = y;
    l.level[r] = depth;
    l.posInSet[r] = sPos[top] as number;
    l.setSize[r] = sSet[top] as number;
    l.parent[r] = up;
    if (up >= 0) l.lastChild[up] = r;
    l.source[r] = i;
    l.rowOfSource[i] = r;
    const from = childStart[i] as number;
    const to = childStart[i + 1] as number;
    l.childCount[r] = to - from;
    maxX = Math.max(maxX, x + LABEL_WIDTH);
    y += opts.rowHeight;

    kids.length = 0;
    for (let j = from; j < to; j++) {
      const c = childIdx[j] as number;
      if (!keep || keep[c]) kids.push(c);
    }
    if (kids.length === 0) continue;
    if (isCollapsed(i)) {
      l.collapsed[r] = 1;
      l.hiddenCount[r] = countDescendants(i);
      continue;
    }
    for (let j = kids.length - 1; j >= 0; j--) {
      push(kids[j] as number, depth + 1, r, j + 1, kids.length);
    }
  }
  closeRun();

  if (l.size > 0) {
    let minX = 0;
    let minY = -opts.rowHeight / 2;
    for (const g of l.groups) {
      minX = Math.min(minX, g.x);
      minY = Math.min(minY, g.y);
    }
    l.bounds = { minX, minY, maxX, maxY: y };
  }
  return l;
}

/**
 * Groups cross from the worker without their container objects, which the main thread already
 * holds (24 containers with their labels were most of what a layout answer cloned back).
 */
export function withoutContainers(columns: LayoutColumns): LayoutColumns {
  for (const g of columns.groups) g.container = null;
  return columns;
}

/** Puts the container objects back on groups that crossed without them. */
export function withContainers(
  columns: LayoutColumns,
  containers: readonly Container[],
): LayoutColumns {
  if (columns.groups.length === 0) return columns;
  const byId = new Map(containers.map((c) => [c.id, c]));
  for (const g of columns.groups) g.container = byId.get(g.containerId) ?? null;
  return columns;
}

/** Columns plus the input they were computed from: the Layout the UI reads. */
export function withInput(columns: LayoutColumns, input: LayoutInput): Layout {
  return { ...columns, input };
}

/** The layout of a process list, in one call (tests, and where no worker runs). */
export function layoutTree(
  processes: readonly Process[],
  containers: readonly Container[],
  options: Partial<LayoutOptions> = {},
): Layout {
  const needs = needsOf(options.order ?? 'start', options.filter?.busiest ?? false);
  const input = layoutInput(processes, needs);
  return withInput(layoutColumns(input, containers, options), input);
}
