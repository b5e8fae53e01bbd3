import type { Container } from '@pidscope/protocol';
import { useMemo } from 'react';
import { ProcessActions } from '../features/actions/index.js';
import { DemosPanel } from '../features/demos/index.js';
import { ZombieLeaders } from '../features/history/index.js';
import { useApiRoot } from '../hooks/useApiRoot.js';
import { Later } from '../liveView.js';
import type { StateIndex } from '../model/derive.js';
import type { StoreView } from '../model/store.js';
import type { Selection } from '../net/session.js';
import { Details } from './Details.js';
import { Headroom } from './Headroom.js';

interface Props {
  view: StoreView;
  index: StateIndex | null;
  containers: ReadonlyMap<string, Container>;
  selection: Selection | null;
  selectedKey: string | null;
  /** The page shows a recorded moment: nothing can be acted on. */
  past: boolean;
  /** Animation frames the headroom panel trails the tree by. */
  headroomFrames: number;
  onSelect(key: string | null): void;
  onPickContainer(id: string): void;
  /** Shows a zombie's parent: live (`at` null) or at a recorded moment. */
  onShowParent(parent: { pid: number; startTime: number }, at: number | null): void;
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
  const container = selected?.containerId ? (containers.get(selected.containerId) ?? null) : null;
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
          onSelect={onSelect}
          onClose={() => onSelect(null)}
          actions={
            selected ? (
              <ProcessActions
                key={selectedKey}
                process={selected}
                container={container}
                readOnly={props.past || (view.hello?.readOnly ?? false)}
                apiBase={apiRoot}
              />
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
            />
          )}
        </Later>
      ) : null}
      <ZombieLeaders onShowParent={props.onShowParent} />
      <DemosPanel apiBase={apiRoot} />
    </aside>
  );
}
