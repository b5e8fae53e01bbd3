import type { Container, Process } from '@pidscope/protocol';
import { select } from 'd3-selection';
import { type ZoomBehavior, type ZoomTransform, zoom, zoomIdentity } from 'd3-zoom';
import {
  type CSSProperties,
  type KeyboardEvent,
  memo,
  useCallback,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { nsPidOf, shortId } from '../model/keys.js';
import { formatDuration, processLabel } from '../model/labels.js';
import type { Bounds, Layout, LayoutGroup, LayoutLink } from '../model/layout.js';
import { markCommitted } from '../perf.js';

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
  /** Pans so the process is in view (keeping the zoom), and makes it the keyboard's position. */
  reveal(key: string): void;
}

export interface ProcessTreeProps {
  layout: Layout;
  processes: ReadonlyMap<string, Process>;
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

/** Index of the first item whose y is ≥ y (items sorted by y). */
function lowerBound<T extends { y: number }>(items: readonly T[], y: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((items[mid] as T).y < y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function fitTransform(bounds: Bounds, size: Size, maxScale = 1.25): View {
  const pad = 24;
  const w = Math.max(1, bounds.maxX - bounds.minX);
  const h = Math.max(1, bounds.maxY - bounds.minY);
  const k = Math.min(maxScale, (size.width - 2 * pad) / w, (size.height - 2 * pad) / h);
  return { k, x: pad - bounds.minX * k, y: pad - bounds.minY * k };
}

/** The opening view: the whole tree when it is legible at that size, else its top at 100 %. */
export function initialTransform(bounds: Bounds, size: Size): View {
  const fit = fitTransform(bounds, size, 1);
  if (fit.k >= 0.7) return fit;
  return { k: 1, x: 24 - bounds.minX, y: 24 - bounds.minY };
}

function linkPath(l: LayoutLink): string {
  return `M${l.x1},${l.y1 + 6}V${l.y2}H${l.x2 - 7}`;
}

const Links = memo(function Links({
  links,
  reparented,
}: {
  links: readonly LayoutLink[];
  reparented: ReadonlyMap<string, number>;
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
            style={{ d: `path("${d}")` } as CSSProperties}
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
      data-ns-pid={ns ?? undefined}
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
        {zombie ? (
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
    </g>
  );
});

export function ProcessTree(props: ProcessTreeProps) {
  const { layout, onSelect, onToggle } = props;
  const svgRef = useRef<SVGSVGElement | null>(null);
  const zoomRef = useRef<ZoomBehavior<SVGSVGElement, unknown> | null>(null);
  const [size, setSize] = useState<Size>({ width: 1000, height: 700 });
  const [view, setView] = useState<View>({ x: 24, y: 24, k: 1 });
  const [activeKey, setActiveKey] = useState<string | null>(null);
  const placed = useRef(false);
  const cull = layout.nodes.length > CULL_ABOVE;
  const [cullRect, setCullRect] = useState<Bounds>(() => cullRectFor(view, size));

  const sizeRef = useRef(size);
  sizeRef.current = size;
  const viewRef = useRef(view);
  viewRef.current = view;
  const layoutRef = useRef(layout);
  layoutRef.current = layout;

  useLayoutEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const measure = () => {
      const r = svg.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) setSize({ width: r.width, height: r.height });
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(svg);
    return () => ro.disconnect();
  }, []);

  // d3-zoom computes the transform from pointer and wheel input; React applies it.
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const behavior = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.02, 3])
      .extent(() => [
        [0, 0],
        [sizeRef.current.width, sizeRef.current.height],
      ])
      // Plain wheel scrolls (below); ctrl/⌘ + wheel and pinch zoom; no double-click zoom.
      .filter((e: Event) => {
        if (e.type === 'wheel') return (e as WheelEvent).ctrlKey || (e as WheelEvent).metaKey;
        if (e.type === 'dblclick') return false;
        return !(e as MouseEvent).button;
      })
      .on('zoom', (e: { transform: ZoomTransform }) => {
        const t = e.transform;
        setView({ x: t.x, y: t.y, k: t.k });
      });
    const sel = select(svg);
    sel.call(behavior);
    const onWheel = (e: WheelEvent) => {
      if (e.ctrlKey || e.metaKey) return;
      e.preventDefault();
      const k = (svg.__zoom as ZoomTransform | undefined)?.k ?? 1;
      behavior.translateBy(sel, -e.deltaX / k, -e.deltaY / k);
    };
    svg.addEventListener('wheel', onWheel, { passive: false });
    zoomRef.current = behavior;
    return () => {
      svg.removeEventListener('wheel', onWheel);
      sel.on('.zoom', null);
    };
  }, []);

  const apply = useCallback((t: View) => {
    const svg = svgRef.current;
    const behavior = zoomRef.current;
    if (!svg || !behavior) {
      setView(t);
      return;
    }
    behavior.transform(select(svg), zoomIdentity.translate(t.x, t.y).scale(t.k));
  }, []);

  const revealKey = useCallback(
    (key: string) => {
      const n = layoutRef.current.byKey.get(key);
      if (!n) return;
      setActiveKey(key);
      const t = viewRef.current;
      const s = sizeRef.current;
      const v = visibleRect(t, s);
      const margin = 40 / t.k;
      if (
        n.x >= v.minX + margin &&
        n.x + 200 <= v.maxX &&
        n.y >= v.minY + margin &&
        n.y <= v.maxY - margin
      ) {
        return;
      }
      apply({ k: t.k, x: s.width / 3 - n.x * t.k, y: s.height / 2 - n.y * t.k });
    },
    [apply],
  );

  useImperativeHandle(
    props.handle,
    () => ({
      fit: () => apply(fitTransform(layoutRef.current.bounds, sizeRef.current)),
      reveal: revealKey,
    }),
    [apply, revealKey],
  );

  // The first layout with processes sets the opening view.
  useEffect(() => {
    if (placed.current || layout.nodes.length === 0) return;
    placed.current = true;
    apply(initialTransform(layout.bounds, size));
  }, [layout, size, apply]);

  useEffect(() => {
    if (!cull) return;
    if (!inside(visibleRect(view, size), cullRect)) setCullRect(cullRectFor(view, size));
  }, [cull, view, size, cullRect]);

  useLayoutEffect(() => {
    markCommitted();
  });

  const { nodes, links, groups } = useMemo(() => {
    if (!cull) return layout;
    const r = cullRect;
    const from = lowerBound(layout.nodes, r.minY);
    const to = lowerBound(layout.nodes, r.maxY);
    return {
      nodes: layout.nodes.slice(from, to),
      links: layout.links.filter(
        (l) => Math.max(l.y1, l.y2) >= r.minY && Math.min(l.y1, l.y2) <= r.maxY,
      ),
      groups: layout.groups.filter((g) => g.y + g.height >= r.minY && g.y <= r.maxY),
    };
  }, [cull, layout, cullRect]);

  const active =
    activeKey && layout.byKey.has(activeKey)
      ? activeKey
      : props.selectedKey && layout.byKey.has(props.selectedKey)
        ? props.selectedKey
        : (layout.order[0] ?? null);

  const onKeyDown = (e: KeyboardEvent<SVGSVGElement>) => {
    if (!active) return;
    const node = layout.byKey.get(active);
    if (!node) return;
    const i = layout.order.indexOf(active);
    let next: string | undefined;
    switch (e.key) {
      case 'ArrowDown':
        next = layout.order[Math.min(i + 1, layout.order.length - 1)];
        break;
      case 'ArrowUp':
        next = layout.order[Math.max(i - 1, 0)];
        break;
      case 'Home':
        next = layout.order[0];
        break;
      case 'End':
        next = layout.order[layout.order.length - 1];
        break;
      case 'ArrowRight':
        if (node.childCount > 0 && node.collapsed) onToggle(active, true);
        else if (node.childCount > 0) {
          const first = layout.order[i + 1];
          if (first && layout.byKey.get(first)?.parentKey === active) next = first;
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
  if (view.k < LABELS_FROM_SCALE) classes.push('lod-low');
  if (layout.nodes.length > CULL_ABOVE) classes.push('large');

  return (
    <svg
      ref={svgRef}
      className={classes.join(' ')}
      // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the SVG is the tree widget (one tab stop, aria-activedescendant).
      role="tree"
      aria-label={props.label}
      aria-multiselectable="false"
      aria-activedescendant={active ? `node-${active}` : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-drawn={nodes.length}
      data-total={layout.nodes.length}
    >
      <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
        <Groups groups={groups} containers={props.containers} />
        <Links links={links} reparented={props.reparented} />
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
                onSelect={onSelect}
                onToggle={onToggle}
              />
            );
          })}
        </g>
      </g>
    </svg>
  );
}

declare global {
  interface SVGSVGElement {
    __zoom?: unknown;
  }
}
