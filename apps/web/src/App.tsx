import type { Container, Event, Process, State } from '@pidscope/protocol';
import {
  type ReactNode,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { ConnectionBadge } from './components/ConnectionBadge.js';
import { Details } from './components/Details.js';
import { EventTimeline } from './components/EventTimeline.js';
import { Headroom } from './components/Headroom.js';
import { ProcessTree, type TreeHandle } from './components/ProcessTree.js';
import { Toolbar } from './components/Toolbar.js';
import { ProcessActions } from './features/actions/index.js';
import { DemosPanel } from './features/demos/index.js';
import { Later, useLayout, useTransitionStore } from './liveView.js';
import { indexState, sameShape } from './model/derive.js';
import { keyOf, parseKey } from './model/keys.js';
import { formatCount } from './model/labels.js';
import { keyAt, type Layout, type LayoutInput, layoutInput, rowOf } from './model/layout.js';
import { createLayoutEngine, type LayoutEngine } from './model/layoutEngine.js';
import { defaultFilters, type Filters, findMatches } from './model/search.js';
import { CLOCK_MS, LiveStore } from './model/store.js';
import { fetchEvents } from './net/api.js';
import {
  browserSocket,
  Connection,
  type ConnectionStatus,
  type SocketFactory,
} from './net/connection.js';
import { type Selection, withSelection } from './net/session.js';
import { markCommitted, markReceived, timed } from './perf.js';

export interface AppProps {
  /** The stream URL (ws://…/api/v1/stream). */
  streamUrl: string;
  token: string | null;
  /** The selection read from the page URL at start. */
  initialSelection: Selection | null;
  /** Injected in tests; the browser's WebSocket otherwise. */
  socket?: SocketFactory;
  /** Keeps `?pid=&start=` in the address bar; a no-op in tests that do not care. */
  onSelectionUrl?: (sel: Selection | null) => void;
  store?: LiveStore;
  /** Where the tree is laid out: a Web Worker in browsers; injected in tests. */
  layoutEngine?: LayoutEngine;
  /**
   * Animation frames the event timeline waits after the tree before it shows a change (the
   * headroom panel waits twice as long). 0, the default, shows everything in one render.
   */
  staggerFrames?: number;
}

/** Reveal at most this many search matches by expanding their ancestors. */
const REVEAL_MATCHES = 500;
const NO_MATCHES: ReadonlySet<string> = new Set();
const NO_CONTAINERS: readonly Container[] = [];
const EMPTY_INPUT = layoutInput([]);
/** The layout input of each state seen (a state's list is only whole while it is recent). */
const inputOf = new WeakMap<State, LayoutInput>();

export function replaceSelectionUrl(sel: Selection | null): void {
  const next = withSelection(window.location.href, sel);
  if (next !== window.location.href) window.history.replaceState(null, '', next);
}

export function App(props: AppProps) {
  const store = useMemo(() => props.store ?? new LiveStore(), [props.store]);
  const view = useTransitionStore(store);
  const [status, setStatus] = useState<ConnectionStatus>('reconnecting');
  const [problem, setProblem] = useState<string | null>(null);
  const [selection, setSelection] = useState<Selection | null>(props.initialSelection);
  const [query, setQuery] = useState('');
  const [matchCursor, setMatchCursor] = useState(0);
  const [filters, setFilters] = useState<Filters>(defaultFilters);
  const [toggles, setToggles] = useState<ReadonlyMap<string, boolean>>(new Map());
  const tree = useRef<TreeHandle | null>(null);
  const pendingReveal = useRef<string | null>(
    props.initialSelection ? keyOf(props.initialSelection) : null,
  );
  const { token, streamUrl, socket, onSelectionUrl } = props;

  useEffect(() => {
    let lastEventAt = 0;
    const backfill = () => {
      fetchEvents(lastEventAt, token).then(
        (events) => store.addEvents(events, Date.now()),
        () => undefined,
      );
    };
    const conn = new Connection({
      url: streamUrl,
      socket: socket ?? browserSocket,
      handlers: {
        hello: (h) => store.setHello(h),
        snapshot: (s) => {
          markReceived('snapshot', s.seq);
          store.showSnapshot(s, Date.now());
          // [T7] Events travel only in patches: fetch the ones missed while away.
          if (!socket) backfill();
        },
        patch: (s, events) => {
          markReceived('patch', s.seq);
          store.showPatch(s, events, Date.now());
          const last = events[events.length - 1];
          if (last) lastEventAt = last.at;
        },
        status: setStatus,
        problem: setProblem,
      },
    });
    conn.start();
    // The store keeps the clock too: one render per tick or patch, not one for it and one here.
    // Checked four times a second; it commits only when no patch moved it for a second.
    const clock = setInterval(() => store.tick(Date.now()), CLOCK_MS / 4);
    return () => {
      clearInterval(clock);
      conn.stop();
    };
  }, [store, streamUrl, socket, token]);

  const { state, now } = view;
  // The side panels follow a few frames behind the tree, so one patch's DOM changes are drawn
  // over several frames instead of one.
  const stagger = props.staggerFrames ?? 0;
  const index = useMemo(() => (state ? timed('index', () => indexState(state)) : null), [state]);
  const containers = useMemo(
    () => new Map((state?.containers ?? []).map((c) => [c.id, c])),
    [state?.containers],
  );
  const matches = useMemo(
    () => (state && query ? findMatches(state.processes, query) : NO_MATCHES),
    [state, query],
  );
  const selectedKey = selection ? keyOf(selection) : null;
  const reveal = useMemo(() => {
    const r = new Set<string>();
    if (selectedKey) r.add(selectedKey);
    if (matches.size <= REVEAL_MATCHES) for (const m of matches) r.add(m);
    return r;
  }, [selectedKey, matches]);

  // The layout depends on the tree's shape only: its input is rebuilt when the shape changes,
  // once per state (React may render an older state again before a newer one commits).
  const inputRef = useRef<LayoutInput>(EMPTY_INPUT);
  if (state) {
    let input = inputOf.get(state);
    if (!input) {
      const last = inputRef.current;
      input = sameShape(last, state.processes)
        ? last
        : timed('layout-input', () => layoutInput(state.processes));
      inputOf.set(state, input);
    }
    inputRef.current = input;
  }
  // The containers as the layout sees them (ids) and as the toolbar lists them (ids and names):
  // each changes only when what it shows does, so a patch does not re-lay out or re-render them.
  const nowContainers = state?.containers ?? NO_CONTAINERS;
  const layoutContainers = useStable(nowContainers, (a, b) => a.id === b.id);
  const pickable = useStable(nowContainers, (a, b) => a.id === b.id && a.name === b.name);

  const engine = useMemo(() => props.layoutEngine ?? createLayoutEngine(), [props.layoutEngine]);
  useEffect(() => () => engine.dispose(), [engine]);
  const { layout, current: layoutCurrent } = useLayout(
    engine,
    inputRef.current,
    layoutContainers,
    toggles,
    reveal,
    filters,
  );
  // The benchmark's message → tree measure ends once the tree drawn is the one for that message.
  useLayoutEffect(() => {
    if (layoutCurrent && state) markCommitted(state.seq);
  });

  const pickContainer = useCallback(
    (id: string) => setFilters((f) => ({ ...f, container: id })),
    [],
  );

  const select = useCallback(
    (key: string | null) => {
      const sel = key ? parseKey(key) : null;
      setSelection(sel);
      onSelectionUrl?.(sel);
      pendingReveal.current = key;
    },
    [onSelectionUrl],
  );

  const toggle = useCallback((key: string, expand: boolean) => {
    setToggles((prev) => new Map(prev).set(key, expand));
  }, []);

  // Pan to a newly selected process once the layout that reveals it is drawn.
  useEffect(() => {
    const key = pendingReveal.current;
    if (key && rowOf(layout, key) >= 0) {
      pendingReveal.current = null;
      tree.current?.reveal(key);
    }
  }, [layout]);

  // Matches in the order the tree draws them (those drawn).
  const sortedMatches = useMemo(() => {
    const rows: number[] = [];
    for (const k of matches) {
      const r = rowOf(layout, k);
      if (r >= 0) rows.push(r);
    }
    return rows.sort((a, b) => a - b).map((r) => keyAt(layout, r));
  }, [layout, matches]);
  const nextMatch = () => {
    if (sortedMatches.length === 0) return;
    const key = sortedMatches[matchCursor % sortedMatches.length] as string;
    setMatchCursor(matchCursor + 1);
    select(key);
  };

  // Picking an event's process: its container's init when the event names no process.
  const selectEvent = (e: Event) => {
    if (e.pid !== 0) {
      select(keyOf(e));
      return;
    }
    const c = e.containerId ? containers.get(e.containerId) : undefined;
    const init = c?.initPid ? index?.byPid.get(c.initPid) : undefined;
    if (init) select(keyOf(init));
  };

  // Handlers that stay the same functions and act on what is on screen: the toolbar and the
  // timeline are memoised, so a patch renders neither of them.
  const committed = useRef({ layout, nextMatch, selectEvent });
  useLayoutEffect(() => {
    committed.current = { layout, nextMatch, selectEvent };
  });
  const onEvent = useCallback((e: Event) => committed.current.selectEvent(e), []);
  const toolbarActions = useMemo(() => {
    const expandWhere = (test: (l: Layout, row: number) => boolean, expand: boolean) => {
      const l = committed.current.layout;
      setToggles(togglesWhere(l, (r) => test(l, r), expand));
    };
    return {
      onQuery: (q: string) => {
        setQuery(q);
        setMatchCursor(0);
      },
      onNextMatch: () => committed.current.nextMatch(),
      onFilters: setFilters,
      onFit: () => tree.current?.fit(),
      onZoom: (f: number) => tree.current?.zoomBy(f),
      onExpandAll: () => expandWhere((l, r) => (l.childCount[r] as number) > 0, true),
      onCollapseAll: () =>
        expandWhere((l, r) => (l.childCount[r] as number) > 0 && (l.level[r] as number) > 1, false),
    };
  }, []);

  const selected: Process | null = (selectedKey && index?.byKey.get(selectedKey)) || null;
  const parent = selected && index ? (index.byPid.get(selected.ppid) ?? null) : null;
  const children = useMemo(
    () => (selectedKey && index ? index.childrenOf(selectedKey) : []),
    [index, selectedKey],
  );
  const zombieChildren = children.filter((c) => c.state === 'Z').length;
  const selectedContainer = selected?.containerId
    ? (containers.get(selected.containerId) ?? null)
    : null;

  useEffect(() => {
    const z = state?.host.zombies ?? 0;
    const host = view.hello?.hostname ?? state?.host.hostname;
    document.title = `${z > 0 ? `(${z} zombie${z === 1 ? '' : 's'}) ` : ''}pidscope${host ? ` — ${host}` : ''}`;
  }, [state?.host.zombies, state?.host.hostname, view.hello?.hostname]);

  let main: ReactNode;
  if (!state || !index) {
    main = (
      <div className="placeholder">
        <p>
          {status === 'reconnecting' ? 'Connecting to the pidscope agent…' : 'Waiting for data…'}
        </p>
        {problem ? <p className="conn-problem">{problem}</p> : null}
      </div>
    );
  } else {
    main = (
      <ProcessTree
        handle={tree}
        layout={layout}
        processes={index.byKey}
        containers={containers}
        blamed={index.blamed}
        matches={matches}
        reparented={view.reparented}
        selectedKey={selectedKey}
        now={now}
        label={`Processes of ${state.host.hostname}`}
        onSelect={select}
        onToggle={toggle}
      />
    );
  }

  return (
    <div className="app">
      <header className="topbar">
        <h1 className="brand">
          pid<span>scope</span>
        </h1>
        <ConnectionBadge
          status={status}
          hello={view.hello}
          docker={state?.docker ?? view.hello?.docker ?? null}
          lastUpdate={view.updatedAt}
          now={now}
          problem={problem}
        />
        {state ? (
          <div className="summary">
            <span>{formatCount(state.host.processes)} processes</span>
            <button
              type="button"
              className={state.host.zombies ? 'linklike bad' : 'linklike muted'}
              aria-pressed={filters.zombiesOnly}
              title="Show only zombies and their ancestors"
              onClick={() => setFilters({ ...filters, zombiesOnly: !filters.zombiesOnly })}
            >
              {state.host.zombies} zombie{state.host.zombies === 1 ? '' : 's'}
            </button>
            <span>{state.containers.length} containers</span>
          </div>
        ) : null}
      </header>
      <Toolbar
        query={query}
        matchCount={matches.size}
        filters={filters}
        containers={pickable}
        {...toolbarActions}
      />
      <main className="stage">
        <div className="tree-pane">
          {main}
          <Legend />
        </div>
        <aside className="side">
          {selection ? (
            <Details
              selected={selection}
              process={selected}
              parent={parent}
              childProcesses={children}
              container={selectedContainer}
              zombieChildren={zombieChildren}
              token={token}
              now={now}
              onSelect={select}
              onClose={() => select(null)}
              actions={
                selected ? (
                  <ProcessActions
                    key={selectedKey}
                    process={selected}
                    container={selectedContainer}
                    token={token}
                    readOnly={view.hello?.readOnly ?? false}
                  />
                ) : null
              }
            />
          ) : null}
          {state ? (
            <Later value={view} frames={2 * stagger}>
              {(later) => (
                <Headroom
                  host={later.state?.host ?? state.host}
                  containers={later.state?.containers ?? state.containers}
                  history={later.history}
                  now={later.now}
                  onPickContainer={pickContainer}
                />
              )}
            </Later>
          ) : null}
          <DemosPanel token={token} />
        </aside>
        <div className="bottom">
          <Later value={view.events} frames={stagger}>
            {(events) => (
              <EventTimeline events={events} selectedKey={selectedKey} onSelect={onEvent} />
            )}
          </Later>
        </div>
      </main>
    </div>
  );
}

/**
 * `list`, or the list last returned while each element of `list` is `same` as the one at its
 * place there: a new array with the same contents keeps memoised children from rendering.
 * Compared without building strings: the page renders several times a patch, and joined id
 * lists were a few percent of what a patch allocates.
 */
function useStable<T>(list: readonly T[], same: (x: T, y: T) => boolean): readonly T[] {
  const kept = useRef(list);
  const was = kept.current;
  let equal = was.length === list.length;
  for (let i = 0; equal && i < list.length; i++) equal = same(was[i] as T, list[i] as T);
  if (!equal) kept.current = list;
  return kept.current;
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

function Legend() {
  return (
    <div className="legend" aria-hidden="true">
      <span>
        <svg width="12" height="12" viewBox="-6 -6 12 12" aria-hidden="true">
          <circle r="4" className="lg-proc" />
        </svg>
        process
      </span>
      <span>
        <svg width="14" height="14" viewBox="-7 -7 14 14" aria-hidden="true">
          <path d="M0,-6L6,0L0,6L-6,0Z" className="lg-zombie" />
        </svg>
        zombie
      </span>
      <span className="lg-blamed-text">⚠ parent not reaping</span>
      <span className="lg-reparented-text">↪ adopted (reparented)</span>
      <span>
        <span className="lg-ns">⟨n⟩</span> in-container PID
      </span>
      <span className="muted">wheel: scroll · ctrl+wheel: zoom · drag: pan · arrows: walk</span>
    </div>
  );
}
