import type { Container, State } from '@pidscope/protocol';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { useLayout } from '../liveView.js';
import { sameShape } from '../model/derive.js';
import {
  type InputNeeds,
  type Layout,
  type LayoutInput,
  layoutInput,
  needsOf,
  sameNeeds,
} from '../model/layout.js';
import { createLayoutEngine, type LayoutEngine } from '../model/layoutEngine.js';
import type { Filters } from '../model/search.js';
import { markCommitted, markDrawn, timed } from '../perf.js';
import { useStable } from './useStable.js';

/** Reveal at most this many search matches by expanding their ancestors. */
const REVEAL_MATCHES = 500;
const NO_CONTAINERS: readonly Container[] = [];
const EMPTY_INPUT = layoutInput([]);
/** The layout input of each state seen (a state's list is only whole while it is recent). */
const inputOf = new WeakMap<State, LayoutInput>();

export interface TreeLayoutOptions {
  state: State | null;
  toggles: ReadonlyMap<string, boolean>;
  filters: Filters;
  /** The selected process and the search matches: their collapsed ancestors are opened. */
  selectedKey: string | null;
  matches: ReadonlySet<string>;
  /** The process whose subtree alone is drawn (see LayoutOptions.focus). */
  focus: string | null;
  /** Where the tree is laid out: a Web Worker in browsers; injected in tests. */
  engine?: LayoutEngine;
}

/** The layout input of `state`: `last` again when the shape is the same (no new layout). */
function inputFor(state: State, needs: InputNeeds, last: LayoutInput): LayoutInput {
  const known = inputOf.get(state);
  if (known && sameNeeds(known.needs, needs)) return known;
  const input =
    sameNeeds(last.needs, needs) && sameShape(last, state.processes)
      ? last
      : timed('layout-input', () => layoutInput(state.processes, needs));
  inputOf.set(state, input);
  return input;
}

/** The tree's layout for the state and the view's options, laid out off the main thread. */
export function useTreeLayout({
  state,
  toggles,
  filters,
  selectedKey,
  matches,
  focus,
  engine: given,
}: TreeLayoutOptions): Layout {
  const reveal = useMemo(() => {
    const r = new Set<string>();
    if (selectedKey) r.add(selectedKey);
    if (matches.size <= REVEAL_MATCHES) for (const m of matches) r.add(m);
    return r;
  }, [selectedKey, matches]);

  // The layout depends on the tree's shape (and what the order and filters read): its input is
  // rebuilt when that changes, once per state (React may render an older state again before a
  // newer one commits). Render stays pure: the input last drawn is only read here, and moves at
  // commit, so a render React throws away (an urgent one with an older state between two
  // transitions) leaves nothing behind that the next render would take for drawn.
  const drawnInput = useRef<LayoutInput>(EMPTY_INPUT);
  const needs = needsOf(filters.order, filters.busiest);
  const input = state ? inputFor(state, needs, drawnInput.current) : drawnInput.current;
  useLayoutEffect(() => {
    drawnInput.current = input;
  });
  // The containers as the layout sees them (ids): a patch that changes only their counts does
  // not lay the tree out again.
  const containers = useStable(state?.containers ?? NO_CONTAINERS, (a, b) => a.id === b.id);

  const engine = useMemo(() => given ?? createLayoutEngine(), [given]);
  useEffect(() => () => engine.dispose(), [engine]);
  const { layout, current } = useLayout(engine, input, containers, toggles, reveal, filters, focus);
  // The benchmark's message → tree measure ends once the tree drawn is the one for that message.
  useLayoutEffect(() => {
    if (current && state) {
      markCommitted(state.seq);
      markDrawn(state);
    }
  });
  return layout;
}
