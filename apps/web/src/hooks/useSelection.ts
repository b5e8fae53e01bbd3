import type { Container, Event } from '@pidscope/protocol';
import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import type { TreeHandle } from '../components/tree/ProcessTree.js';
import type { StateIndex } from '../model/derive.js';
import { keyOf, parseKey } from '../model/keys.js';
import { type Layout, rowOf } from '../model/layout.js';
import type { Selection } from '../net/session.js';

export interface SelectionState {
  selection: Selection | null;
  selectedKey: string | null;
  /** Selects a process by key (null: none) and puts it in the page URL. */
  select(key: string | null): void;
  /** The key selected and not yet panned to (see useRevealSelection). */
  pending: RefObject<string | null>;
}

/** The selected process, which the page URL shares (`?pid=&start=`). */
export function useSelection(
  initial: Selection | null,
  onSelectionUrl?: (sel: Selection | null) => void,
): SelectionState {
  const [selection, setSelection] = useState<Selection | null>(initial);
  const pending = useRef<string | null>(initial ? keyOf(initial) : null);
  const select = useCallback(
    (key: string | null) => {
      const sel = key ? parseKey(key) : null;
      setSelection(sel);
      onSelectionUrl?.(sel);
      pending.current = key;
    },
    [onSelectionUrl],
  );
  return { selection, selectedKey: selection ? keyOf(selection) : null, select, pending };
}

/** Pans to a newly selected process once the layout that reveals it is drawn. */
export function useRevealSelection(
  layout: Layout,
  pending: RefObject<string | null>,
  tree: RefObject<TreeHandle | null>,
): void {
  useEffect(() => {
    const key = pending.current;
    if (key && rowOf(layout, key) >= 0) {
      pending.current = null;
      tree.current?.reveal(key);
    }
  }, [layout, pending, tree]);
}

/** The process an event is about: its container's init when the event names no process. */
export function processOfEvent(
  e: Event,
  containers: ReadonlyMap<string, Container>,
  byPid: StateIndex['byPid'] | undefined,
): string | null {
  if (e.pid !== 0) return keyOf(e);
  const c = e.containerId ? containers.get(e.containerId) : undefined;
  const init = c?.initPid ? byPid?.get(c.initPid) : undefined;
  return init ? keyOf(init) : null;
}
