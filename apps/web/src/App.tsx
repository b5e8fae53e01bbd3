import type { Container, Event, Process, ZombieFate } from '@pidscope/protocol';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ConnectionPlaceholder } from './components/ConnectionBadge.js';
import { EventTimeline } from './components/EventTimeline.js';
import { KeyHelp } from './components/KeyHelp.js';
import { Legend } from './components/Legend.js';
import { SidePanels } from './components/SidePanels.js';
import { Toolbar } from './components/Toolbar.js';
import { TopBar } from './components/TopBar.js';
import { ProcessTree, type TreeHandle } from './components/tree/ProcessTree.js';
import type { ActionsHandle } from './features/actions/index.js';
import { Timeline, useRecordedSparklines, useTimeTravel } from './features/history/index.js';
import { withMoment } from './features/history/moment.js';
import { ApiRoot } from './hooks/useApiRoot.js';
import { useCommitted } from './hooks/useCommitted.js';
import { useExport } from './hooks/useExport.js';
import { useFocusRoot } from './hooks/useFocusRoot.js';
import { type Hotkey, useHotkeys } from './hooks/useHotkeys.js';
import { useIndexed } from './hooks/useIndexed.js';
import { useLiveConnection } from './hooks/useLiveConnection.js';
import { useSearch } from './hooks/useSearch.js';
import { processOfEvent, useRevealSelection, useSelection } from './hooks/useSelection.js';
import { useStable } from './hooks/useStable.js';
import { useTheme } from './hooks/useTheme.js';
import { useTitle } from './hooks/useTitle.js';
import { useToggles } from './hooks/useToggles.js';
import { useTreeLayout } from './hooks/useTreeLayout.js';
import { Later } from './liveView.js';
import { adoptedFates } from './model/derive.js';
import { History } from './model/headroom.js';
import { keyOf } from './model/keys.js';
import type { LayoutEngine } from './model/layoutEngine.js';
import { defaultFilters, type Filters } from './model/search.js';
import type { LiveStore, StoreView } from './model/store.js';
import type { SocketFactory } from './net/connection.js';
import { type Selection, withFilters, withFocus, withSelection } from './net/session.js';

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
  /** The focused subtree read from the page URL at start (`?focus=pid:start`). */
  initialFocus?: string | null;
  /** Keeps `?focus=` in the address bar. */
  onFocusUrl?: (key: string | null) => void;
  /** The filters read from the page URL at start. */
  initialFilters?: Filters;
  /** Keeps the filters in the address bar. */
  onFiltersUrl?: (f: Filters) => void;
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
/** No process flagged ([S11]). */
const NO_FATES: ReadonlyMap<string, ZombieFate> = new Map();

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

function replaceUrl(next: string): void {
  if (next !== window.location.href) window.history.replaceState(null, '', next);
}

export function replaceMomentUrl(at: number | null): void {
  replaceUrl(withMoment(window.location.href, at));
}

export function replaceSelectionUrl(sel: Selection | null): void {
  replaceUrl(withSelection(window.location.href, sel));
}

export function replaceFocusUrl(key: string | null): void {
  replaceUrl(withFocus(window.location.href, key));
}

export function replaceFiltersUrl(f: Filters): void {
  replaceUrl(withFilters(window.location.href, f));
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
  const fates = useMemo(
    () => (index ? adoptedFates(view.events, index, containers) : NO_FATES),
    [view.events, index, containers],
  );
  const { selection, selectedKey, select, pending } = useSelection(
    props.initialSelection,
    props.onSelectionUrl,
  );
  const search = useSearch(state);
  const [filters, setFilters] = useState<Filters>(props.initialFilters ?? defaultFilters);
  const { onFiltersUrl } = props;
  useEffect(() => onFiltersUrl?.(filters), [filters, onFiltersUrl]);
  const { focus, setFocus } = useFocusRoot(props.initialFocus ?? null, props.onFocusUrl);
  const { toggles, toggle, expandAll, collapseAll } = useToggles();
  const layout = useTreeLayout({
    state,
    toggles,
    filters,
    selectedKey,
    matches: search.matches,
    focus,
    engine: props.layoutEngine,
  });
  const tree = useRef<TreeHandle | null>(null);
  useRevealSelection(layout, pending, tree);
  useTitle(state?.host.zombies ?? 0, view.hello?.hostname ?? state?.host.hostname);

  // Handlers that stay the same functions and act on what is on screen: the toolbar and the
  // timeline are memoised, so a patch renders neither of them.
  const shown = useCommitted({ layout, containers, index });
  const shownState = useCommitted(state);
  const { exportAs, said } = useExport(tree, shownState);
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
      onExport: exportAs,
    }),
    [onQuery, nextMatch, select, expandAll, collapseAll, shown, exportAs],
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
  // Trouble first: the zombie count and the amber and red headroom cards go to what they count,
  // the next one on each press (after the one selected).
  const selectedNow = useCommitted(selectedKey);
  const cycleTo = useCallback(
    (targets: readonly Process[]) => {
      if (targets.length === 0) return;
      const at = targets.findIndex((p) => keyOf(p) === selectedNow.current);
      select(keyOf(targets[(at + 1) % targets.length] as Process));
    },
    [select, selectedNow],
  );
  const nextZombie = useCallback(
    () => cycleTo(shown.current.index?.zombies ?? []),
    [cycleTo, shown],
  );
  const goContainer = useCallback(
    (id: string) => {
      const { index: ix, containers: cs } = shown.current;
      const zombies = (ix?.zombies ?? []).filter((z) => z.containerId === id);
      const initPid = cs.get(id)?.initPid;
      const init = initPid ? ix?.byPid.get(initPid) : undefined;
      cycleTo(zombies.length > 0 ? zombies : init ? [init] : []);
    },
    [cycleTo, shown],
  );
  const pickContainer = useCallback(
    (id: string) => setFilters((f) => ({ ...f, container: id })),
    [],
  );
  const { theme, toggleTheme } = useTheme();
  const [keysShown, setKeysShown] = useState(false);
  const searchBox = useRef<HTMLInputElement | null>(null);
  const actions = useRef<ActionsHandle | null>(null);
  const hotkeys: Hotkey[] = [
    { key: '/', does: 'find a process: to the search box', run: () => searchBox.current?.focus() },
    {
      key: 'z',
      does: 'zombies only, on or off',
      run: () => setFilters((f) => ({ ...f, zombiesOnly: !f.zombiesOnly })),
    },
    {
      key: 'f',
      does: "the selected process's subtree alone; again: the whole tree",
      run: () => {
        if (selectedKey) setFocus(focus === selectedKey ? null : selectedKey);
      },
    },
    { key: 'k', does: 'signal the selected process', run: () => actions.current?.openSignal() },
    {
      key: 'Escape',
      does: 'close the dialog; else clear the search, then the focus, then the selection',
      run: () => {
        if (keysShown) setKeysShown(false);
        else if (actions.current?.close()) return;
        else if (search.query) search.onQuery('');
        else if (focus) setFocus(null);
        else if (selectedKey) select(null);
      },
    },
    { key: '?', does: 'this list of keys', run: () => setKeysShown((shown) => !shown) },
  ];
  useHotkeys(hotkeys);
  const focusName = useMemo(() => {
    if (!focus) return null;
    const p = index?.byKey.get(focus);
    return p ? `${p.comm} ${p.pid}` : `PID ${focus.split(':')[0]} (exited)`;
  }, [focus, index]);
  const clearFocus = useCallback(() => setFocus(null), [setFocus]);
  const showKeys = useCallback(() => setKeysShown(true), []);

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
          theme={theme}
          onNextZombie={nextZombie}
          onToggleTheme={toggleTheme}
          onShowKeys={showKeys}
        />
        <Timeline travel={travel} />
        <Toolbar
          query={search.query}
          matchCount={search.matches.size}
          filters={filters}
          containers={pickable}
          searchRef={searchBox}
          focusName={focusName}
          onClearFocus={clearFocus}
          exported={said}
          {...toolbarActions}
        />
        {keysShown ? <KeyHelp keys={hotkeys} onClose={() => setKeysShown(false)} /> : null}
        <main className="stage">
          <div className="tree-pane">
            {state && index ? (
              <ProcessTree
                handle={tree}
                layout={layout}
                processes={index.byKey}
                containers={containers}
                containerTotals={index.containerTotals}
                blamed={index.blamed}
                matches={search.matches}
                reparented={view.reparented}
                execs={index.execs}
                fates={fates}
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
            fates={fates}
            selection={selection}
            selectedKey={selectedKey}
            past={past}
            headroomFrames={2 * stagger}
            focus={focus}
            onSelect={select}
            onShowParent={showParent}
            onFocus={setFocus}
            onPickContainer={pickContainer}
            onGoContainer={goContainer}
            onGoZombies={nextZombie}
            actions={actions}
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
