import { select } from 'd3-selection';
import { type ZoomBehavior, type ZoomTransform, zoom, zoomIdentity } from 'd3-zoom';
import {
  type PointerEvent as ReactPointerEvent,
  type RefObject,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import { type Bounds, type Layout, nodeOf, rowOf } from '../../model/layout.js';
import {
  CULL_ABOVE,
  cullRectFor,
  fitScale,
  initialScale,
  inside,
  MAX_SCALE,
  MIN_SCALE,
  originOf,
  PAD,
  type Scroll,
  type Size,
  scrollKeeping,
  type View,
  visibleRect,
} from './viewport.js';

export interface Viewport {
  pane: RefObject<HTMLDivElement | null>;
  /** The scroll pane's handlers: scrolling, and dragging the background to pan. */
  paneEvents: {
    onScroll(): void;
    onPointerDown(e: ReactPointerEvent<HTMLDivElement>): void;
    onPointerMove(e: ReactPointerEvent<HTMLDivElement>): void;
    onPointerUp(): void;
    onPointerCancel(): void;
  };
  /** The scale. */
  k: number;
  /** Where layout point (0, 0) is drawn in the pane's content. */
  origin: { x: number; y: number };
  /** The pane's content size. */
  width: number;
  height: number;
  /** The layout rect to draw rows in, or null to draw them all (a small tree). */
  cullRect: Bounds | null;
  fit(): void;
  /** Multiplies the scale, keeping the centre of the view still. */
  zoomBy(factor: number): void;
  /** Scrolls the process into view (keeping the zoom); false when the layout does not draw it. */
  scrollIntoView(key: string): boolean;
}

function scrollPane(pane: HTMLElement, left: number, top: number): void {
  pane.scrollLeft = Math.max(0, left);
  pane.scrollTop = Math.max(0, top);
}

/**
 * The tree's viewport, in a natively scrolling pane (so the browser, assistive tech and test
 * drivers can scroll any process into view). d3-zoom computes the scale from ctrl/⌘ + wheel and
 * pinch; dragging the background pans by scrolling; React applies both. The view stays anchored
 * on the selection.
 */
export function useViewport(layout: Layout, selectedKey: string | null): Viewport {
  const paneRef = useRef<HTMLDivElement | null>(null);
  const size = usePaneSize(paneRef);
  const [scroll, setScroll] = useState<Scroll>({ left: 0, top: 0 });
  const sizeRef = useRef(size);
  sizeRef.current = size;
  const layoutRef = useRef(layout);
  layoutRef.current = layout;
  const { k, kRef, zoomTo } = useZoom(paneRef, layoutRef, sizeRef);
  const cull = layout.size > CULL_ABOVE;
  const b = layout.bounds;
  const origin = originOf(b, k);
  const cullRect = useCullRect(
    cull,
    { x: origin.x - scroll.left, y: origin.y - scroll.top, k },
    size,
  );

  const drag = useDragPan(paneRef);
  const paneEvents = {
    onScroll: () => {
      const pane = paneRef.current;
      if (!pane) return;
      setScroll({ left: pane.scrollLeft, top: pane.scrollTop });
    },
    ...drag,
  };

  const scrollIntoView = useCallback(
    (key: string) => {
      const n = nodeOf(layoutRef.current, key);
      const pane = paneRef.current;
      if (!n) return false;
      if (!pane) return true;
      const kk = kRef.current;
      const o = originOf(layoutRef.current.bounds, kk);
      const px = n.x * kk + o.x;
      const py = n.y * kk + o.y;
      const w = pane.clientWidth || sizeRef.current.width;
      const h = pane.clientHeight || sizeRef.current.height;
      const margin = 40;
      const inView =
        px >= pane.scrollLeft + margin &&
        px + 200 <= pane.scrollLeft + w &&
        py >= pane.scrollTop + margin &&
        py <= pane.scrollTop + h - margin;
      if (!inView) scrollPane(pane, Math.max(0, px - w / 3), Math.max(0, py - h / 2));
      return true;
    },
    [kRef],
  );

  const fit = useCallback(
    () => zoomTo(fitScale(layoutRef.current.bounds, sizeRef.current), { left: 0, top: 0 }),
    [zoomTo],
  );
  const zoomBy = useCallback(
    (factor: number) => {
      const pane = paneRef.current;
      const prev = kRef.current;
      const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, prev * factor));
      if (!pane) {
        zoomTo(next, null);
        return;
      }
      const centre = { mx: pane.clientWidth / 2, my: pane.clientHeight / 2 };
      const scrolled = { left: pane.scrollLeft, top: pane.scrollTop };
      zoomTo(next, scrollKeeping(layoutRef.current.bounds, scrolled, centre, prev, next));
    },
    [zoomTo, kRef],
  );

  // The first layout with processes sets the opening scale.
  const placed = useRef(false);
  useEffect(() => {
    if (placed.current || layout.size === 0) return;
    placed.current = true;
    zoomTo(initialScale(layout.bounds, size), { left: 0, top: 0 });
  }, [layout, size, zoomTo]);

  useSelectionAnchor(paneRef, layout, selectedKey, kRef);

  return {
    pane: paneRef,
    paneEvents,
    k,
    origin,
    width: Math.max((b.maxX - b.minX) * k + 2 * PAD, size.width),
    height: Math.max((b.maxY - b.minY) * k + 2 * PAD, size.height),
    cullRect: cull ? cullRect : null,
    fit,
    zoomBy,
    scrollIntoView,
  };
}

/** The pane's size, as the browser lays it out. */
function usePaneSize(paneRef: RefObject<HTMLDivElement | null>): Size {
  const [size, setSize] = useState<Size>({ width: 1000, height: 700 });
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
  }, [paneRef]);
  return size;
}

/** Drag the background to pan (by scrolling); clicks on processes stay clicks. */
function useDragPan(paneRef: RefObject<HTMLDivElement | null>) {
  const drag = useRef<{ x: number; y: number; left: number; top: number } | null>(null);
  const onPointerUp = () => {
    drag.current = null;
  };
  return {
    onPointerDown: (e: ReactPointerEvent<HTMLDivElement>) => {
      const pane = paneRef.current;
      if (!pane || e.button !== 0 || (e.target as Element).closest?.('.node')) return;
      drag.current = { x: e.clientX, y: e.clientY, left: pane.scrollLeft, top: pane.scrollTop };
      pane.setPointerCapture?.(e.pointerId);
    },
    onPointerMove: (e: ReactPointerEvent<HTMLDivElement>) => {
      const d = drag.current;
      const pane = paneRef.current;
      if (!d || !pane) return;
      scrollPane(pane, d.left - (e.clientX - d.x), d.top - (e.clientY - d.y));
    },
    onPointerUp,
    onPointerCancel: onPointerUp,
  };
}

/** The rect rows are drawn in: it moves only once the view leaves it. */
function useCullRect(cull: boolean, view: View, size: Size): Bounds {
  const [cullRect, setCullRect] = useState<Bounds>(() => cullRectFor(view, size));
  const { x, y, k } = view;
  useEffect(() => {
    if (!cull) return;
    const v = { x, y, k };
    if (!inside(visibleRect(v, size), cullRect)) setCullRect(cullRectFor(v, size));
  }, [cull, x, y, k, size, cullRect]);
  return cullRect;
}

/**
 * Scroll anchoring on the selection: on a busy host rows above it come and go every tick, and
 * without this the process someone is looking at (or opened from a shared URL) drifts away.
 */
function useSelectionAnchor(
  paneRef: RefObject<HTMLDivElement | null>,
  layout: Layout,
  selectedKey: string | null,
  kRef: RefObject<number>,
): void {
  const anchor = useRef<{ key: string; top: number } | null>(null);
  useLayoutEffect(() => {
    const r = selectedKey ? rowOf(layout, selectedKey) : -1;
    const top = r >= 0 ? (layout.y[r] as number) - layout.bounds.minY : 0;
    const pane = paneRef.current;
    const prev = anchor.current;
    if (pane && r >= 0 && prev && prev.key === selectedKey && prev.top !== top) {
      pane.scrollTop += (top - prev.top) * kRef.current;
    }
    anchor.current = selectedKey && r >= 0 ? { key: selectedKey, top } : null;
  }, [layout, selectedKey, paneRef, kRef]);
}

/**
 * The scale: d3-zoom computes it from ctrl/⌘ + wheel and pinch, and `zoomTo` sets it; the scroll
 * offsets that go with a new scale are applied once it is drawn.
 */
function useZoom(
  paneRef: RefObject<HTMLDivElement | null>,
  layoutRef: RefObject<Layout>,
  sizeRef: RefObject<Size>,
) {
  const zoomRef = useRef<ZoomBehavior<HTMLDivElement, unknown> | null>(null);
  const [k, setK] = useState(1);
  const kRef = useRef(k);
  kRef.current = k;
  /** Where to scroll once the next scale is drawn (keeps the point under the pointer still). */
  const pendingScroll = useRef<Scroll | null>(null);

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
          const r = pane.getBoundingClientRect();
          pendingScroll.current = scrollKeeping(
            layoutRef.current.bounds,
            { left: pane.scrollLeft, top: pane.scrollTop },
            { mx: src.clientX - r.left, my: src.clientY - r.top },
            prev,
            next,
          );
        }
        setK(next);
      });
    select(pane).call(behavior);
    zoomRef.current = behavior;
    return () => {
      select(pane).on('.zoom', null);
    };
  }, [paneRef, layoutRef, sizeRef]);

  const zoomTo = useCallback(
    (next: number, to: Scroll | null) => {
      const pane = paneRef.current;
      const behavior = zoomRef.current;
      pendingScroll.current = to;
      if (pane && behavior) behavior.transform(select(pane), zoomIdentity.scale(next));
      else setK(next);
      if (next === kRef.current && to && pane) {
        scrollPane(pane, to.left, to.top);
        pendingScroll.current = null;
      }
    },
    [paneRef],
  );

  useLayoutEffect(() => {
    const pane = paneRef.current;
    const to = pendingScroll.current;
    if (!pane || !to) return;
    pendingScroll.current = null;
    scrollPane(pane, Math.max(0, to.left), Math.max(0, to.top));
  });

  return { k, kRef, zoomTo };
}
