import type { Container, State } from '@pidscope/protocol';
import { useMemo } from 'react';
import { indexState, type StateIndex } from '../model/derive.js';
import { timed } from '../perf.js';

/** The state's lookups (once per state) and its containers by id. */
export function useIndexed(state: State | null): {
  index: StateIndex | null;
  containers: ReadonlyMap<string, Container>;
} {
  const index = useMemo(() => (state ? timed('index', () => indexState(state)) : null), [state]);
  const containers = useMemo(
    () => new Map((state?.containers ?? []).map((c) => [c.id, c])),
    [state?.containers],
  );
  return { index, containers };
}
