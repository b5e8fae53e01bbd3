import { describe, expect, it } from 'vitest';
import { keyStep } from '../src/components/tree/keys.js';
import {
  fitScale,
  initialScale,
  MIN_SCALE,
  originOf,
  PAD,
  scrollKeeping,
} from '../src/components/tree/viewport.js';
import { keyAt, layoutTree, nodeOf, rowOf } from '../src/model/layout.js';
import { containers, processes } from './fixtures/hosts.js';

// Kernel threads collapsed under kthreadd, as the page opens.
const layout = layoutTree(processes, containers);
const row = (key: string) => rowOf(layout, key);

describe('keyStep (the tree widget’s keys)', () => {
  it('walks rows with the arrows, Home and End, and stops at the ends', () => {
    expect(keyStep(layout, 0, 'ArrowDown')).toEqual({ next: keyAt(layout, 1) });
    expect(keyStep(layout, 0, 'ArrowUp')).toEqual({ next: keyAt(layout, 0) });
    expect(keyStep(layout, 3, 'Home')).toEqual({ next: keyAt(layout, 0) });
    expect(keyStep(layout, 0, 'End')).toEqual({ next: keyAt(layout, layout.size - 1) });
    expect(keyStep(layout, layout.size - 1, 'ArrowDown')).toEqual({
      next: keyAt(layout, layout.size - 1),
    });
  });

  it('expands a collapsed row, then walks into it; collapses an open one, then walks out', () => {
    expect(nodeOf(layout, '2:20')?.collapsed).toBe(true);
    expect(keyStep(layout, row('2:20'), 'ArrowRight')).toEqual({ expand: true });
    expect(keyStep(layout, row('1:10'), 'ArrowRight')).toEqual({ next: keyAt(layout, 1) });
    expect(keyStep(layout, row('1:10'), 'ArrowLeft')).toEqual({ expand: false });
    expect(keyStep(layout, row('300:3000'), 'ArrowLeft')).toEqual({ next: '1:10' });
    // A leaf has nowhere to go right.
    expect(keyStep(layout, row('300:3000'), 'ArrowRight')).toEqual({});
  });

  it('selects with Enter and Space, and leaves other keys to the page', () => {
    expect(keyStep(layout, 0, 'Enter')).toEqual({ select: true });
    expect(keyStep(layout, 0, ' ')).toEqual({ select: true });
    expect(keyStep(layout, 0, 'a')).toBeNull();
    expect(keyStep(layout, 0, 'Tab')).toBeNull();
  });
});

describe('viewport geometry', () => {
  const bounds = { minX: -10, minY: -20, maxX: 590, maxY: 980 };

  it('keeps the layout point under the pointer where it is when the scale changes', () => {
    const scroll = { left: 130, top: 250 };
    const at = { mx: 400, my: 300 };
    const under = (s: { left: number; top: number }, k: number) => {
      const o = originOf(bounds, k);
      return { x: (s.left + at.mx - o.x) / k, y: (s.top + at.my - o.y) / k };
    };
    const before = under(scroll, 1);
    for (const next of [0.5, 1.25, 3]) {
      const after = under(scrollKeeping(bounds, scroll, at, 1, next), next);
      expect(after.x).toBeCloseTo(before.x, 9);
      expect(after.y).toBeCloseTo(before.y, 9);
    }
  });

  it('fits the whole tree with its padding, within the scale limits', () => {
    const size = { width: 1000, height: 700 };
    const k = fitScale(bounds, size);
    expect((bounds.maxY - bounds.minY) * k + 2 * PAD).toBeCloseTo(size.height, 9);
    expect(fitScale({ minX: 0, minY: 0, maxX: 1, maxY: 1 }, size)).toBe(1.25);
    expect(fitScale({ minX: 0, minY: 0, maxX: 1e9, maxY: 1e9 }, size)).toBe(MIN_SCALE);
    // Legible when fitted (≥ 0.7): fitted; else the page opens at 100 % and scrolls.
    expect(initialScale({ minX: 0, minY: 0, maxX: 500, maxY: 800 }, size)).toBeCloseTo(0.815, 3);
    expect(initialScale(bounds, size)).toBe(1);
  });
});
