import { useCallback, useState } from 'react';
import { keyAt, type Layout } from '../model/layout.js';

export interface Toggles {
  /** Process key → expanded (true) or collapsed (false), where the user chose. */
  toggles: ReadonlyMap<string, boolean>;
  toggle(key: string, expand: boolean): void;
  /** Expands every subtree `layout` draws. */
  expandAll(layout: Layout): void;
  /** Collapses every drawn subtree below the top level. */
  collapseAll(layout: Layout): void;
}

/** The subtrees the user expanded or collapsed. */
export function useToggles(): Toggles {
  const [toggles, setToggles] = useState<ReadonlyMap<string, boolean>>(() => new Map());
  const toggle = useCallback((key: string, expand: boolean) => {
    setToggles((prev) => new Map(prev).set(key, expand));
  }, []);
  const expandAll = useCallback((l: Layout) => {
    setToggles(togglesWhere(l, (r) => (l.childCount[r] as number) > 0, true));
  }, []);
  const collapseAll = useCallback((l: Layout) => {
    setToggles(
      togglesWhere(l, (r) => (l.childCount[r] as number) > 0 && (l.level[r] as number) > 1, false),
    );
  }, []);
  return { toggles, toggle, expandAll, collapseAll };
}

/** A toggle for every drawn row that passes `test`. */
function togglesWhere(
  layout: Layout,
  test: (row: number) => boolean,
  expand: boolean,
): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (let r = 0; r < layout.size; r++) if (test(r)) out.set(keyAt(layout, r), expand);
  return out;
}
