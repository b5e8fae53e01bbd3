import type { Bounds } from '../../model/layout.js';

// The tree's geometry, pure: screen = layout × k + origin, in a natively scrolling pane.

/**
 * Above this many drawn processes, only those near the viewport are in the DOM: SVG text layout
 * costs about 1 ms per row on a busy 2-core machine, and a typical host (kernel threads
 * collapsed) stays below it, so every process is in the DOM there.
 */
export const CULL_ABOVE = 400;
/** Below this zoom, labels are hidden: dots and groups stay. */
export const LABELS_FROM_SCALE = 0.45;
/** Space around the drawing inside the scroll area, in screen pixels. */
export const PAD = 24;
export const MIN_SCALE = 0.02;
export const MAX_SCALE = 3;

export interface Size {
  width: number;
  height: number;
}

export interface Scroll {
  left: number;
  top: number;
}

/** Screen = layout × k + (x, y), relative to the scroll area's viewport. */
export interface View {
  x: number;
  y: number;
  k: number;
}

/** Where layout point (0, 0) sits in the scroll area's content at scale k. */
export function originOf(bounds: Bounds, k: number): { x: number; y: number } {
  return { x: PAD - bounds.minX * k, y: PAD - bounds.minY * k };
}

export function visibleRect(t: View, size: Size): Bounds {
  return {
    minX: -t.x / t.k,
    minY: -t.y / t.k,
    maxX: (size.width - t.x) / t.k,
    maxY: (size.height - t.y) / t.k,
  };
}

export function inside(inner: Bounds, outer: Bounds): boolean {
  return (
    inner.minX >= outer.minX &&
    inner.maxX <= outer.maxX &&
    inner.minY >= outer.minY &&
    inner.maxY <= outer.maxY
  );
}

/** The visible rect grown by half a viewport each way, so small pans need no re-render. */
export function cullRectFor(t: View, size: Size): Bounds {
  const v = visibleRect(t, size);
  const w = (v.maxX - v.minX) / 2;
  const h = (v.maxY - v.minY) / 2;
  return { minX: v.minX - w, minY: v.minY - h, maxX: v.maxX + w, maxY: v.maxY + h };
}

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

/**
 * The scroll offsets that keep the layout point under (mx, my) — a point of the viewport — where
 * it is when the scale goes from `prev` to `next`.
 */
export function scrollKeeping(
  bounds: Bounds,
  scroll: Scroll,
  at: { mx: number; my: number },
  prev: number,
  next: number,
): Scroll {
  const lx = (scroll.left + at.mx - (PAD - bounds.minX * prev)) / prev;
  const ly = (scroll.top + at.my - (PAD - bounds.minY * prev)) / prev;
  return {
    left: lx * next + PAD - bounds.minX * next - at.mx,
    top: ly * next + PAD - bounds.minY * next - at.my,
  };
}
