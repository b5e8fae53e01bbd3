import type { Container, Event } from '@pidscope/protocol';
import { type ReactNode, useCallback, useMemo, useRef, useState } from 'react';
import { ConnectionPlaceholder } from './components/ConnectionBadge.js';
import { EventTimeline } from './components/EventTimeline.js';
import { Legend } from './components/Legend.js';
import { SidePanels } from './components/SidePanels.js';
import { Toolbar } from './components/Toolbar.js';
import { TopBar } from './components/TopBar.js';
import { ProcessTree, type TreeHandle } from './components/tree/ProcessTree.js';
import { Timeline, useRecordedSparklines, useTimeTravel } from './features/history/index.js';
import { withMoment } from './features/history/moment.js';
import { ApiRoot } from './hooks/useApiRoot.js';
import { useCommitted } from './hooks/useCommitted.js';
import { useIndexed } from './hooks/useIndexed.js';
import { useLiveConnection } from './hooks/useLiveConnection.js';
import { useSearch } from './hooks/useSearch.js';
import { processOfEvent, useRevealSelection, useSelection } from './hooks/useSelection.js';
import { useStable } from './hooks/useStable.js';
import { useTitle } from './hooks/useTitle.js';
import { useToggles } from './hooks/useToggles.js';
import { useTreeLayout } from './hooks/useTreeLayout.js';
import { Later } from './liveView.js';
import { History } from './model/headroom.js';
import type { LayoutEngine } from './model/layoutEngine.js';
import { defaultFilters, type Filters } from './model/search.js';
import type { LiveStore, StoreView } from './model/store.js';
import type { SocketFactory } from './net/connection.js';
import { type Selection, withSelection } from './net/session.js';

export interface AppProps {
  /** The stream URL (ws://…/api/v1/stream). */
  streamUrl: string;
  /** The selection read from the page URL at start. */
  initialSelection: Selection | null;
  /** Injected in tests; the browser's WebSocket otherwise. */
  socket?: SocketFactory;
  /** Keeps `?pid=&start=` in the address bar; a no-op in tests that do not care. */
  onSelectionUrl?: (sel: Selection | null) => void;
  /** The recorded moment read from the page URL at start (`?at=`); null or absent: live. */
  initialMoment?: number | null;
  /** Keeps `?at=` in the address bar. */
  onMomentUrl?: (at: number | null) => void;
  store?: LiveStore;
  /** Where the tree is laid out: a Web Worker in browsers; injected in tests. */
  layoutEngine?: LayoutEngine;
  /**
   * Animation frames the event timeline waits after the tree before it shows a change (the
   * headroom panel waits twice as long). 0, the default, shows everything in one render.
   */
  staggerFrames?: number;
  /**
   * The agent API root, for a host seen through a hub (`/api/v1/hosts/<id>`); '' (the default)
   * when the agent serves the page.
   */
  apiRoot?: string;
  /** Shown in the top bar after the brand: the fleet's host switcher, through a hub. */
  switcher?: ReactNode;
}

const NO_CONTAINERS: readonly Container[] = [];
const PENDING: StoreView = {
  version: -1,
  hello: null,
  state: null,
  events: [],
  reparented: new Map(),
  history: new History(),
  now: 0,
  updatedAt: null,
};

export function replaceSelectionUrl(sel: Selection | null): void {
  const next = withSelection(window.location.href, sel);
  if (next !== window.location.href) window.history.replaceState(null, '', next);
}

export function replaceMomentUrl(at: number | null): void {
  const next = withMoment(window.location.href, at);
  if (next !== window.location.href) window.history.replaceState(null, '', next);
}

/** The dashboard: each concern is a hook (src/hooks) or a component; this puts them together. */
export function App(props: AppProps) {
  const live = useLiveConnection(props);
  const { status, problem } = live;
  useRecordedSparklines(live.view.history, props.apiRoot);
  const travel = useTimeTravel({
    hello: live.view.hello,
    apiRoot: props.apiRoot,
    initialMoment: props.initialMoment ?? null,
    onMomentUrl: props.onMomentUrl,
  });
  // In the past, the whole page shows the recorded moment (nothing until it has arrived).
  const past = travel.moment !== null;
  const view = past ? (travel.view ?? PENDING) : live.view;
  const { state } = view;
  const { index, containers } = useIndexed(state);
  const { selection, selectedKey, select, pending } = useSelection(
    props.initialSelection,
    props.onSelectionUrl,
  );
  const search = useSearch(state);
  const [filters, setFilters] = useState<Filters>(defaultFilters);
  const { toggles, toggle, expandAll, collapseAll } = useToggles();
  const layout = useTreeLayout({
    state,
    toggles,
    filters,
    selectedKey,
    matches: search.matches,
    engine: props.layoutEngine,
  });
  const tree = useRef<TreeHandle | null>(null);
  useRevealSelection(layout, pending, tree);
  useTitle(state?.host.zombies ?? 0, view.hello?.hostname ?? state?.host.hostname);

  // Handlers that stay the same functions and act on what is on screen: the toolbar and the
  // timeline are memoised, so a patch renders neither of them.
  const shown = useCommitted({ layout, containers, index });
  const { onQuery, nextMatch } = search;
  const toolbarActions = useMemo(
    () => ({
      onQuery,
      onNextMatch: () => {
        const key = nextMatch(shown.current.layout);
        if (key) select(key);
      },
      onFilters: setFilters,
      onFit: () => tree.current?.fit(),
      onZoom: (f: number) => tree.current?.zoomBy(f),
      onExpandAll: () => expandAll(shown.current.layout),
      onCollapseAll: () => collapseAll(shown.current.layout),
    }),
    [onQuery, nextMatch, select, expandAll, collapseAll, shown],
  );
  const onEvent = useCallback(
    (e: Event) => {
      const key = processOfEvent(e, shown.current.containers, shown.current.index?.byPid);
      if (key) select(key);
    },
    [select, shown],
  );
  const { goTo, live: backToLive } = travel;
  const showParent = useCallback(
    (parent: { pid: number; startTime: number }, at: number | null) => {
      if (at === null) backToLive();
      else goTo(at);
      select(`${parent.pid}:${parent.startTime}`);
    },
    [goTo, backToLive, select],
  );
  const pickContainer = useCallback(
    (id: string) => setFilters((f) => ({ ...f, container: id })),
    [],
  );
  // The containers as the toolbar lists them (ids and names): a patch does not render it.
  const pickable = useStable(
    state?.containers ?? NO_CONTAINERS,
    (a, b) => a.id === b.id && a.name === b.name,
  );
  // The side panels follow a few frames behind the tree, so one patch's DOM changes are drawn
  // over several frames instead of one.
  const stagger = props.staggerFrames ?? 0;

  return (
    <ApiRoot.Provider value={props.apiRoot ?? ''}>
      <div className="app">
        <TopBar
          switcher={props.switcher}
          view={view}
          status={status}
          problem={problem}
          filters={filters}
          onFilters={setFilters}
        />
        <Timeline travel={travel} />
        <Toolbar
          query={search.query}
          matchCount={search.matches.size}
          filters={filters}
          containers={pickable}
          {...toolbarActions}
        />
        <main className="stage">
          <div className="tree-pane">
            {state && index ? (
              <ProcessTree
                handle={tree}
                layout={layout}
                processes={index.byKey}
                containers={containers}
                blamed={index.blamed}
                matches={search.matches}
                reparented={view.reparented}
                selectedKey={selectedKey}
                now={view.now}
                label={`Processes of ${state.host.hostname}`}
                onSelect={select}
                onToggle={toggle}
              />
            ) : (
              <ConnectionPlaceholder status={status} problem={problem} />
            )}
            <Legend />
          </div>
          <SidePanels
            view={view}
            index={index}
            containers={containers}
            selection={selection}
            selectedKey={selectedKey}
            past={past}
            headroomFrames={2 * stagger}
            onSelect={select}
            onShowParent={showParent}
            onPickContainer={pickContainer}
          />
          <div className="bottom">
            <Later value={view.events} frames={stagger}>
              {(events) => (
                <EventTimeline events={events} selectedKey={selectedKey} onSelect={onEvent} />
              )}
            </Later>
          </div>
        </main>
      </div>
    </ApiRoot.Provider>
  );
}
