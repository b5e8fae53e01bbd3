import type { State } from '@pidscope/protocol';
import { useCallback, useMemo, useRef, useState } from 'react';
import { keyAt, type Layout, rowOf } from '../model/layout.js';
import { findMatches } from '../model/search.js';
import { useCommitted } from './useCommitted.js';

const NO_MATCHES: ReadonlySet<string> = new Set();

export interface Search {
  query: string;
  /** Keys of the processes that match the query (of the whole state, drawn or not). */
  matches: ReadonlySet<string>;
  onQuery(query: string): void;
  /** The next match in the order `layout` draws them (those drawn), in turn; null when none is. */
  nextMatch(layout: Layout): string | null;
}

/** Find by host PID, container PID, name or command line. */
export function useSearch(state: State | null): Search {
  const [query, setQuery] = useState('');
  const cursor = useRef(0);
  const matches = useMemo(
    () => (state && query ? findMatches(state.processes, query) : NO_MATCHES),
    [state, query],
  );
  const shown = useCommitted(matches);
  const onQuery = useCallback((q: string) => {
    setQuery(q);
    cursor.current = 0;
  }, []);
  const nextMatch = useCallback(
    (layout: Layout) => {
      const drawn = drawnInOrder(layout, shown.current);
      if (drawn.length === 0) return null;
      const key = drawn[cursor.current % drawn.length] as string;
      cursor.current += 1;
      return key;
    },
    [shown],
  );
  return { query, matches, onQuery, nextMatch };
}

function drawnInOrder(layout: Layout, keys: ReadonlySet<string>): string[] {
  const rows: number[] = [];
  for (const k of keys) {
    const r = rowOf(layout, k);
    if (r >= 0) rows.push(r);
  }
  return rows.sort((a, b) => a - b).map((r) => keyAt(layout, r));
}
