import type { ReactNode } from 'react';
import { formatCount } from '../model/labels.js';
import type { Filters } from '../model/search.js';
import type { StoreView } from '../model/store.js';
import type { ConnectionStatus } from '../net/connection.js';
import { ConnectionBadge } from './ConnectionBadge.js';
import './TopBar.css';

interface Props {
  view: StoreView;
  status: ConnectionStatus;
  problem: string | null;
  filters: Filters;
  onFilters(f: Filters): void;
  /** The fleet's host switcher, when the page is a host of a hub. */
  switcher?: ReactNode;
}

/** The brand, the connection and the host's counts; the zombie count toggles "zombies only". */
export function TopBar({ view, status, problem, filters, onFilters, switcher }: Props) {
  const { state } = view;
  return (
    <header className="topbar">
      <h1 className="brand">
        pid<span>scope</span>
      </h1>
      {switcher}
      <ConnectionBadge
        status={status}
        hello={view.hello}
        docker={state?.docker ?? view.hello?.docker ?? null}
        source={state?.host ?? null}
        lastUpdate={view.updatedAt}
        now={view.now}
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
            onClick={() => onFilters({ ...filters, zombiesOnly: !filters.zombiesOnly })}
          >
            {state.host.zombies} zombie{state.host.zombies === 1 ? '' : 's'}
          </button>
          <span>{state.containers.length} containers</span>
        </div>
      ) : null}
    </header>
  );
}
