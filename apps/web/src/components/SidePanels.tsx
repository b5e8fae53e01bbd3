import { type Container, type ZombieFate, zombieFate } from '@pidscope/protocol';
import { type Ref, useMemo, useState } from 'react';
import {
  type ActionDone,
  ActionResult,
  type ActionsHandle,
  ProcessActions,
} from '../features/actions/index.js';
import { DemosPanel } from '../features/demos/index.js';
import { ZombieLeaders } from '../features/history/index.js';
import { useApiRoot } from '../hooks/useApiRoot.js';
import { Later } from '../liveView.js';
import { type StateIndex, totalsOf } from '../model/derive.js';
import type { StoreView } from '../model/store.js';
import type { Selection } from '../net/session.js';
import { Details } from './Details.js';
import { Headroom } from './Headroom.js';

interface Props {
  view: StoreView;
  index: StateIndex | null;
  containers: ReadonlyMap<string, Container>;
  /** [S11] Adopted processes whose zombie may not be reaped, by key. */
  fates: ReadonlyMap<string, ZombieFate>;
  selection: Selection | null;
  selectedKey: string | null;
  /** The page shows a recorded moment: nothing can be acted on. */
  past: boolean;
  /** Animation frames the headroom panel trails the tree by. */
  headroomFrames: number;
  /** The focused subtree's root, by key (null: the whole tree). */
  focus: string | null;
  onSelect(key: string | null): void;
  onFocus(key: string | null): void;
  onPickContainer(id: string): void;
  /** Shows a zombie's parent: live (`at` null) or at a recorded moment. */
  onShowParent(parent: { pid: number; startTime: number }, at: number | null): void;
  onGoContainer(id: string): void;
  onGoZombies(): void;
  /** The selected process's actions, for the page's keys. */
  actions: Ref<ActionsHandle>;
}

/** The side column: the selected process and its actions, headroom, who leaks zombies, demos. */
export function SidePanels(props: Props) {
  const { view, index, containers, selection, selectedKey, onSelect } = props;
  const { state } = view;
  const apiRoot = useApiRoot();
  const selected = (selectedKey && index?.byKey.get(selectedKey)) || null;
  const parent = selected && index ? (index.byPid.get(selected.ppid) ?? null) : null;
  const children = useMemo(
    () => (selectedKey && index ? index.childrenOf(selectedKey) : []),
    [index, selectedKey],
  );
  // What the last action did, kept for the selection: a signal that ends the process unmounts its
  // actions, and the result (each member's, for a subtree) must stay readable.
  const [last, setLast] = useState<{ key: string; done: ActionDone } | null>(null);
  const container = selected?.containerId ? (containers.get(selected.containerId) ?? null) : null;
  const subtree = useMemo(
    () => (selectedKey && index ? totalsOf(index.subtree(selectedKey)) : null),
    [index, selectedKey],
  );
  return (
    <aside className="side">
      {selection ? (
        <Details
          selected={selection}
          process={selected}
          parent={parent}
          childProcesses={children}
          container={container}
          zombieChildren={children.filter((c) => c.state === 'Z').length}
          past={props.past}
          now={view.now}
          focused={selectedKey !== null && props.focus === selectedKey}
          subtree={subtree}
          exec={(selectedKey && index?.execs.get(selectedKey)) || null}
          fate={
            (selectedKey && props.fates.get(selectedKey)) ||
            (selected && selected.state !== 'Z'
              ? zombieFate(selected, parent ?? undefined, container ?? undefined, false)
              : null)
          }
          allContainers={containers}
          host={state?.host ?? null}
          onSelect={onSelect}
          onFocus={props.onFocus}
          onClose={() => onSelect(null)}
          actions={
            selected ? (
              <ProcessActions
                key={selectedKey}
                handle={props.actions}
                process={selected}
                container={container}
                readOnly={props.past || (view.hello?.readOnly ?? false)}
                apiBase={apiRoot}
                onDone={(done) => selectedKey && setLast({ key: selectedKey, done })}
              />
            ) : last && last.key === selectedKey ? (
              <ActionResult done={last.done} />
            ) : null
          }
        />
      ) : null}
      {state ? (
        <Later value={view} frames={props.headroomFrames}>
          {(later) => (
            <Headroom
              host={later.state?.host ?? state.host}
              containers={later.state?.containers ?? state.containers}
              history={later.history}
              now={later.now}
              onPickContainer={props.onPickContainer}
              onGoContainer={props.onGoContainer}
              onGoZombies={props.onGoZombies}
            />
          )}
        </Later>
      ) : null}
      <ZombieLeaders onShowParent={props.onShowParent} />
      <DemosPanel apiBase={apiRoot} />
    </aside>
  );
}
