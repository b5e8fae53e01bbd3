import type { Container } from '@pidscope/protocol';
import { type ReactNode, useEffect, useMemo, useState, useTransition } from 'react';
import { type Layout, type LayoutInput, layoutTree } from './model/layout.js';
import type { LayoutEngine } from './model/layoutEngine.js';
import type { Filters } from './model/search.js';
import type { LiveStore, StoreView } from './model/store.js';

// How the live view reaches React: store changes and layouts render as transitions (they yield
// to the browser between components), and panels can trail the tree by a few frames.

/**
 * The store's view, rendered as a transition: a patch's React work yields to the browser every
 * few milliseconds instead of holding the main thread for the whole render, so frames keep coming
 * while 5,000 processes update. (useSyncExternalStore would render every change synchronously.)
 */
export function useTransitionStore(store: LiveStore): StoreView {
  const [view, setView] = useState(store.getSnapshot);
  const [, startTransition] = useTransition();
  useEffect(() => {
    const update = () => startTransition(() => setView(store.getSnapshot()));
    const unsubscribe = store.subscribe(update);
    update();
    return unsubscribe;
  }, [store]);
  return view;
}

const EMPTY_LAYOUT = layoutTree([], []);

/**
 * The layout for this shape and these options, from the engine (a worker in the browser). Until
 * it arrives the previous one stays drawn, and `current` is false.
 */
export function useLayout(
  engine: LayoutEngine,
  input: LayoutInput,
  containers: readonly Container[],
  toggles: ReadonlyMap<string, boolean>,
  reveal: ReadonlySet<string>,
  filters: Filters,
  focus: string | null,
): { layout: Layout; current: boolean } {
  const [result, setResult] = useState<{ layout: Layout; basis: unknown }>({
    layout: EMPTY_LAYOUT,
    basis: null,
  });
  const [, startTransition] = useTransition();
  const basis = useMemo(
    () => ({ input, containers, toggles, reveal, filters, focus }),
    [input, containers, toggles, reveal, filters, focus],
  );
  useEffect(() => {
    const { input, containers, toggles, reveal, filters, focus } = basis;
    const options = {
      toggles,
      reveal,
      showKernelThreads: filters.showKernelThreads,
      filter: filters,
      focus,
      order: filters.order,
      containersFirst: filters.containersFirst,
    };
    engine.request({ input, containers, options }, (layout) =>
      startTransition(() => setResult({ layout, basis })),
    );
  }, [engine, basis]);
  return { layout: result.layout, current: result.basis === basis };
}

/** `value`, `frames` animation frames late (at once when frames is 0). */
export function useLater<T>(value: T, frames: number): T {
  const [shown, setShown] = useState(value);
  const [, startTransition] = useTransition();
  useEffect(() => {
    if (frames <= 0) return;
    let left = frames;
    let id = 0;
    const step = () => {
      left -= 1;
      if (left > 0) id = requestAnimationFrame(step);
      else startTransition(() => setShown(value));
    };
    id = requestAnimationFrame(step);
    return () => cancelAnimationFrame(id);
  }, [value, frames]);
  return frames <= 0 ? value : shown;
}

/**
 * Renders `children(value)` `frames` animation frames after `value` changes. The delay re-renders
 * this component alone: as a hook of the page it re-rendered the whole page twice more a patch.
 */
export function Later<T>(props: {
  value: T;
  frames: number;
  children: (value: T) => ReactNode;
}): ReactNode {
  return props.children(useLater(props.value, props.frames));
}
