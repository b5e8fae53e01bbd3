import type { ReactNode } from 'react';
import type { Theme } from '../hooks/useTheme.js';
import { formatCount } from '../model/labels.js';
import type { StoreView } from '../model/store.js';
import type { ConnectionStatus } from '../net/connection.js';
import { ConnectionBadge } from './ConnectionBadge.js';
import './TopBar.css';

interface Props {
  view: StoreView;
  status: ConnectionStatus;
  problem: string | null;
  theme: Theme;
  onToggleTheme(): void;
  onShowKeys(): void;
  /** Selects a zombie, the next one on each press. */
  onNextZombie(): void;
  /** The fleet's host switcher, when the page is a host of a hub. */
  switcher?: ReactNode;
}

/** The brand, the connection and the host's counts; the zombie count goes to each zombie in turn. */
export function TopBar({ view, status, problem, switcher, ...page }: Props) {
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
            data-testid="next-zombie"
            disabled={state.host.zombies === 0}
            title="Go to a zombie; again: the next one"
            onClick={page.onNextZombie}
          >
            <span aria-hidden="true">◆ </span>
            {state.host.zombies} zombie{state.host.zombies === 1 ? '' : 's'}
          </button>
          <span>{state.containers.length} containers</span>
        </div>
      ) : null}
      <div className="page-buttons">
        <button
          type="button"
          data-testid="theme-toggle"
          aria-label={page.theme === 'light' ? 'Use the dark theme' : 'Use the light theme'}
          title={page.theme === 'light' ? 'Dark theme' : 'Light theme'}
          onClick={page.onToggleTheme}
        >
          {page.theme === 'light' ? '☾' : '☀'}
        </button>
        <button
          type="button"
          aria-label="Keys"
          title="Keys (press ?)"
          data-testid="show-keys"
          onClick={page.onShowKeys}
        >
          ?
        </button>
      </div>
    </header>
  );
}
