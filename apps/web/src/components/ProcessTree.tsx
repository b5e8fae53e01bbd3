import type { Container, Process } from '@pidscope/protocol';
import { select } from 'd3-selection';
import { type ZoomBehavior, type ZoomTransform, zoom, zoomIdentity } from 'd3-zoom';
import {
  type CSSProperties,
  type KeyboardEvent,
  memo,
  type PointerEvent as ReactPointerEvent,
  useCallback,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import type { ProcessLookup } from '../model/derive.js';
import { nsPidOf, shortId } from '../model/keys.js';
import { formatDuration, processLabel } from '../model/labels.js';
import {
  type Bounds,
  keyAt,
  type Layout,
  type LayoutGroup,
  type LayoutLink,
  type LayoutNode,
  linksIn,
  nodeAt,
  nodeOf,
  rowAtY,
  rowOf,
} from '../model/layout.js';

/**
 * Above this many drawn processes, only those near the viewport are in the DOM: SVG text layout
 * costs about 1 ms per row on a busy 2-core machine, and a typical host (kernel threads
 * collapsed) stays below it, so every process is in the DOM there.
 */
export const CULL_ABOVE = 400;
/** Below this zoom, labels are hidden: dots and groups stay. */
const LABELS_FROM_SCALE = 0.45;

export interface TreeHandle {
  fit(): void;
  /** Multiplies the scale, keeping the centre of the view still. */
  zoomBy(factor: number): void;
  /** Pans so the process is in view (keeping the zoom), and makes it the keyboard's position. */
  reveal(key: string): void;
}

export interface ProcessTreeProps {
  layout: Layout;
  processes: ProcessLookup;
  containers: ReadonlyMap<string, Container>;
  blamed: ReadonlySet<string>;
  matches: ReadonlySet<string>;
  reparented: ReadonlyMap<string, number>;
  selectedKey: string | null;
  now: number;
  label: string;
  onSelect(key: string): void;
  onToggle(key: string, expand: boolean): void;
  handle?: React.Ref<TreeHandle>;
}

interface Size {
  width: number;
  height: number;
}

/** Screen = layout × k + (x, y), relative to the scroll area's viewport. */
interface View {
  x: number;
  y: number;
  k: number;
}

function visibleRect(t: View, size: Size): Bounds {
  return {
    minX: -t.x / t.k,
    minY: -t.y / t.k,
    maxX: (size.width - t.x) / t.k,
    maxY: (size.height - t.y) / t.k,
  };
}

function inside(inner: Bounds, outer: Bounds): boolean {
  return (
    inner.minX >= outer.minX &&
    inner.maxX <= outer.maxX &&
    inner.minY >= outer.minY &&
    inner.maxY <= outer.maxY
  );
}

/** The visible rect grown by half a viewport each way, so small pans need no re-render. */
function cullRectFor(t: View, size: Size): Bounds {
  const v = visibleRect(t, size);
  const w = (v.maxX - v.minX) / 2;
  const h = (v.maxY - v.minY) / 2;
  return { minX: v.minX - w, minY: v.minY - h, maxX: v.maxX + w, maxY: v.maxY + h };
}

/** Space around the drawing inside the scroll area, in screen pixels. */
const PAD = 24;
const MIN_SCALE = 0.02;
const MAX_SCALE = 3;

/** The scale at which the whole tree fits the viewport (never above maxScale). */
export function fitScale(bounds: Bounds, size: Size, maxScale = 1.25): number {
  const w = Math.max(1, bounds.maxX - bounds.minX);
  const h = Math.max(1, bounds.maxY - bounds.minY);
  const k = Math.min(maxScale, (size.width - 2 * PAD) / w, (size.height - 2 * PAD) / h);
  return Math.max(MIN_SCALE, k);
}

/** The opening scale: the whole tree when it is legible at that size, else 100 % (scroll). */
export function initialScale(bounds: Bounds, size: Size): number {
  const k = fitScale(bounds, size, 1);
  return k >= 0.7 ? k : 1;
}

/** An elbow from the parent's dot down to the child's row, then right to the child; a trunk
 * (x2 === x1) is the vertical part alone. */
function linkPath(l: LayoutLink): string {
  if (l.x2 === l.x1) return `M${l.x1},${l.y1 + 6}V${l.y2}`;
  return `M${l.x1},${l.y1 + 6}V${l.y2}H${l.x2 - 7}`;
}

const Links = memo(function Links({
  links,
  reparented,
  animate,
}: {
  links: readonly LayoutLink[];
  reparented: ReadonlyMap<string, number>;
  /** Small trees glide edges to their new place (CSS `d`); large ones, redrawn per patch, do not. */
  animate: boolean;
}) {
  return (
    // biome-ignore lint/a11y/noAriaHiddenOnFocusable: an SVG <g> is not focusable; edges are decoration.
    <g className="links" aria-hidden="true">
      {links.map((l) => {
        const d = linkPath(l);
        const moved = reparented.has(l.targetKey);
        return (
          <path
            key={l.key}
            className={moved ? 'link link-reparented' : 'link'}
            d={d}
            style={animate ? ({ d: `path("${d}")` } as CSSProperties) : undefined}
          />
        );
      })}
    </g>
  );
});

const Groups = memo(function Groups({
  groups,
  containers,
}: {
  groups: readonly LayoutGroup[];
  containers: ReadonlyMap<string, Container>;
}) {
  return (
    <g className="groups">
      {groups.map((g) => {
        // The live container (pids change every tick); the layout only knows where it is.
        const c = containers.get(g.containerId) ?? g.container;
        const id = shortId(g.containerId);
        const limit = c ? (c.pidsMax === null ? '∞' : String(c.pidsMax)) : '?';
        return (
          // biome-ignore lint/a11y/noAriaHiddenOnFocusable: an SVG <g> is not focusable; each process names itself.
          <g
            key={`${g.containerId}:${g.y}`}
            className="group"
            data-testid={`container-${id}`}
            data-init={c ? String(c.hasInit) : undefined}
            transform={`translate(${g.x},${g.y})`}
            aria-hidden="true"
          >
            <rect className="group-box" width={g.width} height={g.height} rx={6} />
            <text className="group-title" x={10} y={17}>
              <tspan className="group-name">{c?.name || id}</tspan>
              {c ? <tspan className="group-image"> {c.image}</tspan> : null}
              <tspan className="group-id"> {id}</tspan>
              {c ? (
                <tspan className={c.hasInit ? 'group-init' : 'group-noinit'}>
                  {c.hasInit ? '  init' : '  no init'}
                </tspan>
              ) : null}
              {c && c.pidsCurrent !== null ? (
                <tspan className="group-pids">
                  {'  '}pids {c.pidsCurrent}/{limit}
                </tspan>
              ) : null}
            </text>
          </g>
        );
      })}
    </g>
  );
});

interface NodeProps {
  nodeKey: string;
  process: Process;
  x: number;
  y: number;
  level: number;
  posInSet: number;
  setSize: number;
  childCount: number;
  hiddenCount: number;
  collapsed: boolean;
  selected: boolean;
  active: boolean;
  match: boolean;
  blamed: boolean;
  reparented: boolean;
  /** Only zombies get the clock (their age is shown); 0 for everyone else. */
  now: number;
  onSelect(key: string): void;
  onToggle(key: string, expand: boolean): void;
}

function Shape({ p, collapsed }: { p: Process; collapsed: boolean }) {
  if (p.state === 'Z') {
    // A diamond with a cross: zombies never rely on colour alone.
    return (
      <g className="shape shape-zombie">
        <path d="M0,-7L7,0L0,7L-7,0Z" />
        <path className="zombie-cross" d="M-2.5,-2.5L2.5,2.5M2.5,-2.5L-2.5,2.5" />
      </g>
    );
  }
  if (p.kernelThread) {
    return <rect className="shape shape-kthread" x={-3.5} y={-3.5} width={7} height={7} />;
  }
  return <circle className={collapsed ? 'shape shape-collapsed' : 'shape'} r={collapsed ? 5 : 4} />;
}

/**
 * What a row shows, apart from where it is: rows shift on most patches of a busy host, and only
 * the row's element should change then, not its text and shapes.
 */
const NodeBody = memo(function NodeBody(props: {
  nodeKey: string;
  process: Process;
  hasChildren: boolean;
  collapsed: boolean;
  hiddenCount: number;
  blamed: boolean;
  reparented: boolean;
  now: number;
  onToggle(key: string, expand: boolean): void;
}) {
  const { process: p, nodeKey, hasChildren, onToggle } = props;
  const ns = nsPidOf(p);
  return (
    <>
      <title>{p.cmdline.length ? p.cmdline.join(' ') : `[${p.comm}]`}</title>
      <rect className="row" x={-12} y={-10} width={300} height={20} rx={4} />
      {/* biome-ignore lint/a11y/noStaticElementInteractions: a pointer shortcut; arrow keys expand and collapse. */}
      <g
        className={hasChildren ? 'toggle' : undefined}
        onClick={(e) => {
          if (!hasChildren) return;
          e.stopPropagation();
          onToggle(nodeKey, props.collapsed);
        }}
      >
        <circle className="hit" r={9} />
        <Shape p={p} collapsed={props.collapsed} />
      </g>
      <text className="label" x={12} dy="0.34em">
        <tspan className="comm">{p.comm || '?'}</tspan>
        <tspan className="pid"> {p.pid}</tspan>
        {ns !== null ? <tspan className="nspid"> ⟨{ns}⟩</tspan> : null}
        {p.state === 'Z' ? (
          <tspan className="badge-zombie">
            {' '}
            zombie
            {p.zombieSince !== null && props.now
              ? ` ${formatDuration(props.now - p.zombieSince)}`
              : ''}
          </tspan>
        ) : null}
        {props.blamed ? <tspan className="badge-blamed"> ⚠ not reaping</tspan> : null}
        {props.reparented ? <tspan className="badge-reparented"> ↪ adopted</tspan> : null}
        {props.collapsed ? <tspan className="badge-hidden"> +{props.hiddenCount}</tspan> : null}
      </text>
    </>
  );
});

const Node = memo(function Node(props: NodeProps) {
  const { process: p, nodeKey, onSelect, onToggle } = props;
  const ns = nsPidOf(p);
  const zombie = p.state === 'Z';
  const classes = ['node'];
  if (p.containerId) classes.push('in-container');
  if (p.kernelThread) classes.push('kthread');
  if (zombie) classes.push('zombie');
  if (props.blamed) classes.push('blamed');
  if (props.reparented) classes.push('reparented');
  if (props.selected) classes.push('selected');
  if (props.active) classes.push('active');
  if (props.match) classes.push('match');
  const hasChildren = props.childCount > 0;
  return (
    <g
      id={`node-${nodeKey}`}
      className={classes.join(' ')}
      style={{ transform: `translate(${props.x}px, ${props.y}px)` }}
      role="treeitem"
      data-testid={`proc-${p.pid}-${p.startTime}`}
      data-pid={p.pid}
      data-ppid={p.ppid}
      data-ns-pid={ns ?? undefined}
      data-container-id={p.containerId ?? undefined}
      data-zombie={zombie ? 'true' : undefined}
      data-blamed={props.blamed ? 'true' : undefined}
      data-reparented={props.reparented ? 'true' : undefined}
      aria-label={processLabel(p)}
      aria-level={props.level}
      aria-posinset={props.posInSet}
      aria-setsize={props.setSize}
      aria-expanded={hasChildren ? !props.collapsed : undefined}
      aria-selected={props.selected}
      onClick={() => onSelect(nodeKey)}
    >
      <NodeBody
        nodeKey={nodeKey}
        process={p}
        hasChildren={hasChildren}
        collapsed={props.collapsed}
        hiddenCount={props.hiddenCount}
        blamed={props.blamed}
        reparented={props.reparented}
        now={props.now}
        onToggle={onToggle}
      />
    </g>
  );
});

interface SceneProps {
  nodes: readonly LayoutNode[];
  links: readonly LayoutLink[];
  groups: readonly LayoutGroup[];
  props: ProcessTreeProps;
  active: string | null;
  /** Culled: only rows near the view are drawn, and nothing animates. */
  large: boolean;
}

/** Everything drawn, memoised apart from scrolling and zooming (which only move it). */
const Scene = memo(function Scene({ nodes, links, groups, props, active, large }: SceneProps) {
  return (
    <>
      <Groups groups={groups} containers={props.containers} />
      <Links links={links} reparented={props.reparented} animate={!large} />
      <g className="nodes">
        {nodes.map((n) => {
          const p = props.processes.get(n.key);
          if (!p) return null;
          return (
            <Node
              key={n.key}
              nodeKey={n.key}
              process={p}
              x={n.x}
              y={n.y}
              level={n.level}
              posInSet={n.posInSet}
              setSize={n.setSize}
              childCount={n.childCount}
              hiddenCount={n.hiddenCount}
              collapsed={n.collapsed}
              selected={props.selectedKey === n.key}
              active={active === n.key}
              match={props.matches.has(n.key)}
              blamed={props.blamed.has(n.key)}
              reparented={props.reparented.has(n.key)}
              now={p.state === 'Z' ? props.now : 0}
              onSelect={props.onSelect}
              onToggle={props.onToggle}
            />
          );
        })}
      </g>
    </>
  );
});

/**
 * The tree in a natively scrolling pane (so the browser, assistive tech and test drivers can
 * scroll any process into view). d3-zoom computes the scale from ctrl/⌘ + wheel and pinch;
 * dragging the background pans by scrolling; React applies both.
 */
function scrollPane(pane: HTMLElement, left: number, top: number): void {
  pane.scrollLeft = Math.max(0, left);
  pane.scrollTop = Math.max(0, top);
}

export function ProcessTree(props: ProcessTreeProps) {
  const { layout, onSelect, onToggle } = props;
  const paneRef = useRef<HTMLDivElement | null>(null);
  const zoomRef = useRef<ZoomBehavior<HTMLDivElement, unknown> | null>(null);
  const [size, setSize] = useState<Size>({ width: 1000, height: 700 });
  const [k, setK] = useState(1);
  const [scroll, setScroll] = useState({ left: 0, top: 0 });
  const [activeKey, setActiveKey] = useState<string | null>(null);
  const placed = useRef(false);
  /** Where to scroll once the next scale is drawn (keeps the point under the pointer still). */
  const pendingScroll = useRef<{ left: number; top: number } | null>(null);
  const cull = layout.size > CULL_ABOVE;

  const b = layout.bounds;
  const ox = PAD - b.minX * k;
  const oy = PAD - b.minY * k;
  const view: View = { x: ox - scroll.left, y: oy - scroll.top, k };
  const [cullRect, setCullRect] = useState<Bounds>(() => cullRectFor(view, size));

  const sizeRef = useRef(size);
  sizeRef.current = size;
  const kRef = useRef(k);
  kRef.current = k;
  const layoutRef = useRef(layout);
  layoutRef.current = layout;

  useLayoutEffect(() => {
    const pane = paneRef.current;
    if (!pane) return;
    const measure = () => {
      if (pane.clientWidth > 0 && pane.clientHeight > 0) {
        setSize({ width: pane.clientWidth, height: pane.clientHeight });
      }
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(pane);
    return () => ro.disconnect();
  }, []);

  // d3-zoom computes the scale; the scroll offsets keep the layout point under the pointer fixed.
  useEffect(() => {
    const pane = paneRef.current;
    if (!pane) return;
    const behavior = zoom<HTMLDivElement, unknown>()
      .scaleExtent([MIN_SCALE, MAX_SCALE])
      .extent(() => [
        [0, 0],
        [sizeRef.current.width, sizeRef.current.height],
      ])
      .filter(
        (e: Event) =>
          e.type === 'wheel' && ((e as WheelEvent).ctrlKey || (e as WheelEvent).metaKey),
      )
      .on('zoom', (e: { transform: ZoomTransform; sourceEvent: Event | null }) => {
        const next = e.transform.k;
        const prev = kRef.current;
        const src = e.sourceEvent as WheelEvent | null;
        if (src && next !== prev) {
          const bounds = layoutRef.current.bounds;
          const r = pane.getBoundingClientRect();
          const mx = src.clientX - r.left;
          const my = src.clientY - r.top;
          const lx = (pane.scrollLeft + mx - (PAD - bounds.minX * prev)) / prev;
          const ly = (pane.scrollTop + my - (PAD - bounds.minY * prev)) / prev;
          pendingScroll.current = {
            left: lx * next + PAD - bounds.minX * next - mx,
            top: ly * next + PAD - bounds.minY * next - my,
          };
        }
        setK(next);
      });
    select(pane).call(behavior);
    zoomRef.current = behavior;
    return () => {
      select(pane).on('.zoom', null);
    };
  }, []);

  const zoomTo = useCallback((next: number, to: { left: number; top: number } | null) => {
    const pane = paneRef.current;
    const behavior = zoomRef.current;
    pendingScroll.current = to;
    if (pane && behavior) behavior.transform(select(pane), zoomIdentity.scale(next));
    else setK(next);
    if (next === kRef.current && to && pane) {
      scrollPane(pane, to.left, to.top);
      pendingScroll.current = null;
    }
  }, []);

  useLayoutEffect(() => {
    const pane = paneRef.current;
    const to = pendingScroll.current;
    if (!pane || !to) return;
    pendingScroll.current = null;
    scrollPane(pane, Math.max(0, to.left), Math.max(0, to.top));
  });

  const onScroll = () => {
    const pane = paneRef.current;
    if (!pane) return;
    setScroll({ left: pane.scrollLeft, top: pane.scrollTop });
  };

  // Drag the background to pan (by scrolling); clicks on processes stay clicks.
  const drag = useRef<{ x: number; y: number; left: number; top: number } | null>(null);
  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    const pane = paneRef.current;
    if (!pane || e.button !== 0 || (e.target as Element).closest?.('.node')) return;
    drag.current = { x: e.clientX, y: e.clientY, left: pane.scrollLeft, top: pane.scrollTop };
    pane.setPointerCapture?.(e.pointerId);
  };
  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    const pane = paneRef.current;
    if (!d || !pane) return;
    scrollPane(pane, d.left - (e.clientX - d.x), d.top - (e.clientY - d.y));
  };
  const onPointerUp = () => {
    drag.current = null;
  };

  const revealKey = useCallback((key: string) => {
    const n = nodeOf(layoutRef.current, key);
    const pane = paneRef.current;
    if (!n) return;
    setActiveKey(key);
    if (!pane) return;
    const kk = kRef.current;
    const bounds = layoutRef.current.bounds;
    const px = n.x * kk + PAD - bounds.minX * kk;
    const py = n.y * kk + PAD - bounds.minY * kk;
    const w = pane.clientWidth || sizeRef.current.width;
    const h = pane.clientHeight || sizeRef.current.height;
    const margin = 40;
    const inView =
      px >= pane.scrollLeft + margin &&
      px + 200 <= pane.scrollLeft + w &&
      py >= pane.scrollTop + margin &&
      py <= pane.scrollTop + h - margin;
    if (!inView) scrollPane(pane, Math.max(0, px - w / 3), Math.max(0, py - h / 2));
  }, []);

  useImperativeHandle(
    props.handle,
    () => ({
      fit: () => zoomTo(fitScale(layoutRef.current.bounds, sizeRef.current), { left: 0, top: 0 }),
      zoomBy: (factor: number) => {
        const pane = paneRef.current;
        const prev = kRef.current;
        const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, prev * factor));
        if (!pane) {
          zoomTo(next, null);
          return;
        }
        const w = pane.clientWidth / 2;
        const h = pane.clientHeight / 2;
        const bounds = layoutRef.current.bounds;
        const lx = (pane.scrollLeft + w - (PAD - bounds.minX * prev)) / prev;
        const ly = (pane.scrollTop + h - (PAD - bounds.minY * prev)) / prev;
        zoomTo(next, {
          left: lx * next + PAD - bounds.minX * next - w,
          top: ly * next + PAD - bounds.minY * next - h,
        });
      },
      reveal: revealKey,
    }),
    [zoomTo, revealKey],
  );

  // The first layout with processes sets the opening scale.
  useEffect(() => {
    if (placed.current || layout.size === 0) return;
    placed.current = true;
    zoomTo(initialScale(layout.bounds, size), { left: 0, top: 0 });
  }, [layout, size, zoomTo]);

  useEffect(() => {
    if (!cull) return;
    const v = { x: ox - scroll.left, y: oy - scroll.top, k };
    if (!inside(visibleRect(v, size), cullRect)) setCullRect(cullRectFor(v, size));
  }, [cull, ox, oy, scroll, k, size, cullRect]);

  // Scroll anchoring on the selection: on a busy host rows above it come and go every tick, and
  // without this the process someone is looking at (or opened from a shared URL) drifts away.
  const anchor = useRef<{ key: string; top: number } | null>(null);
  useLayoutEffect(() => {
    const key = props.selectedKey;
    const r = key ? rowOf(layout, key) : -1;
    const top = r >= 0 ? (layout.y[r] as number) - layout.bounds.minY : 0;
    const pane = paneRef.current;
    const prev = anchor.current;
    if (pane && r >= 0 && prev && prev.key === key && prev.top !== top) {
      pane.scrollTop += (top - prev.top) * kRef.current;
    }
    anchor.current = key && r >= 0 ? { key, top } : null;
  }, [layout, props.selectedKey]);

  // Objects for the rows near the view only: a 5,000-row layout stays columns.
  const { nodes, links, groups } = useMemo(() => {
    const r = cullRect;
    const from = cull ? rowAtY(layout, r.minY) : 0;
    const to = cull ? rowAtY(layout, r.maxY) : layout.size;
    const nodes: LayoutNode[] = [];
    for (let row = from; row < to; row++) nodes.push(nodeAt(layout, row));
    return {
      nodes,
      links: linksIn(layout, from, to),
      groups: cull
        ? layout.groups.filter((g) => g.y + g.height >= r.minY && g.y <= r.maxY)
        : layout.groups,
    };
  }, [cull, layout, cullRect]);

  const active =
    activeKey && rowOf(layout, activeKey) >= 0
      ? activeKey
      : props.selectedKey && rowOf(layout, props.selectedKey) >= 0
        ? props.selectedKey
        : layout.size > 0
          ? keyAt(layout, 0)
          : null;

  const onKeyDown = (e: KeyboardEvent<SVGSVGElement>) => {
    if (!active) return;
    const i = rowOf(layout, active);
    if (i < 0) return;
    const node = nodeAt(layout, i);
    const at = (r: number) => keyAt(layout, Math.max(0, Math.min(layout.size - 1, r)));
    let next: string | undefined;
    switch (e.key) {
      case 'ArrowDown':
        next = at(i + 1);
        break;
      case 'ArrowUp':
        next = at(i - 1);
        break;
      case 'Home':
        next = at(0);
        break;
      case 'End':
        next = at(layout.size - 1);
        break;
      case 'ArrowRight':
        if (node.childCount > 0 && node.collapsed) onToggle(active, true);
        else if (node.childCount > 0) {
          if (i + 1 < layout.size && layout.parent[i + 1] === i) next = at(i + 1);
        }
        break;
      case 'ArrowLeft':
        if (node.childCount > 0 && !node.collapsed) onToggle(active, false);
        else if (node.parentKey) next = node.parentKey;
        break;
      case 'Enter':
      case ' ':
        onSelect(active);
        break;
      default:
        return;
    }
    e.preventDefault();
    if (next) revealKey(next);
  };

  const classes = ['tree'];
  if (k < LABELS_FROM_SCALE) classes.push('lod-low');
  if (cull) classes.push('large');
  const width = Math.max((b.maxX - b.minX) * k + 2 * PAD, size.width);
  const height = Math.max((b.maxY - b.minY) * k + 2 * PAD, size.height);

  return (
    <div
      ref={paneRef}
      className="tree-scroll"
      onScroll={onScroll}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
    >
      <svg
        className={classes.join(' ')}
        width={width}
        height={height}
        // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the SVG is the tree widget (one tab stop, aria-activedescendant).
        role="tree"
        aria-label={props.label}
        aria-multiselectable="false"
        aria-activedescendant={active ? `node-${active}` : undefined}
        tabIndex={0}
        onKeyDown={onKeyDown}
        data-drawn={nodes.length}
        data-total={layout.size}
        data-scale={k.toFixed(3)}
      >
        <g transform={`translate(${ox},${oy}) scale(${k})`}>
          <Scene
            nodes={nodes}
            links={links}
            groups={groups}
            props={props}
            active={active}
            large={cull}
          />
        </g>
      </svg>
    </div>
  );
}
