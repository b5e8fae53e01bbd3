import type { Container } from '@pidscope/protocol';
import { memo, type Ref } from 'react';
import type { ExportKind } from '../hooks/useExport.js';
import { BUSIEST, type SiblingOrder } from '../model/layout.js';
import type { Filters } from '../model/search.js';
import './Toolbar.css';

interface Props {
  query: string;
  matchCount: number;
  filters: Filters;
  containers: readonly Container[];
  /** The search box, for the `/` key. */
  searchRef: Ref<HTMLInputElement>;
  /** What the focused subtree is called ("sleep 4425"), or null when the whole tree is drawn. */
  focusName: string | null;
  onClearFocus(): void;
  /** What the last export did ("Saved …", "Link copied"). */
  exported: string | null;
  onExport(kind: ExportKind): void;
  onQuery(q: string): void;
  onNextMatch(): void;
  onFilters(f: Filters): void;
  onFit(): void;
  onZoom(factor: number): void;
  onExpandAll(): void;
  onCollapseAll(): void;
}

const ORDERS: readonly [SiblingOrder, string][] = [
  ['start', 'oldest first'],
  ['cpu', 'busiest first'],
  ['memory', 'largest first'],
  ['pid', 'by PID'],
  ['name', 'by name'],
];

const EXPORTS: readonly [ExportKind, string, string][] = [
  ['svg', 'SVG', 'Save the tree as it is in view, as SVG'],
  ['png', 'PNG', 'Save the tree as it is in view, as PNG'],
  ['json', 'JSON', "Save the agent's current state, as JSON"],
  ['link', 'Copy link', 'Copy a link to this view: host, selection, focus and filters'],
];

/** Memoised: the page passes stable handlers, so it renders when its own props change. */
export const Toolbar = memo(function Toolbar(props: Props) {
  const { filters: f, onFilters } = props;
  return (
    <div className="toolbar">
      <search className="find">
        <input
          ref={props.searchRef}
          type="search"
          placeholder="Find: PID, container PID, name or command line"
          aria-label="Find a process by PID, container PID, name or command line"
          data-testid="search"
          value={props.query}
          onChange={(e) => props.onQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') props.onNextMatch();
            if (e.key === 'Escape') props.onQuery('');
          }}
        />
        {props.query ? (
          <output className="match-count" data-testid="match-count">
            {props.matchCount} {props.matchCount === 1 ? 'match' : 'matches'}
          </output>
        ) : null}
      </search>
      {props.focusName !== null ? (
        <span className="focus-chip" data-testid="focus-chip">
          subtree of {props.focusName}
          <button
            type="button"
            className="close"
            aria-label="Show the whole tree"
            onClick={props.onClearFocus}
          >
            ×
          </button>
        </span>
      ) : null}
      <label className="check">
        <input
          type="checkbox"
          checked={f.zombiesOnly}
          data-testid="filter-zombies"
          onChange={(e) => onFilters({ ...f, zombiesOnly: e.target.checked })}
        />
        zombies only
      </label>
      <label className="check" title={`The ${BUSIEST} processes using the most CPU`}>
        <input
          type="checkbox"
          checked={f.busiest}
          data-testid="filter-busiest"
          onChange={(e) => onFilters({ ...f, busiest: e.target.checked })}
        />
        busiest
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={f.showKernelThreads}
          data-testid="filter-kthreads"
          onChange={(e) => onFilters({ ...f, showKernelThreads: e.target.checked })}
        />
        kernel threads
      </label>
      <label className="select">
        <span className="sr-only">Container</span>
        <select
          value={f.container}
          data-testid="filter-container"
          aria-label="Show one container"
          onChange={(e) => onFilters({ ...f, container: e.target.value })}
        >
          <option value="">all processes</option>
          <option value="host">host only (no container)</option>
          {props.containers.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name || c.id.slice(0, 12)}
            </option>
          ))}
        </select>
      </label>
      <label className="select">
        <span className="sr-only">Order of siblings</span>
        <select
          value={f.order}
          data-testid="order"
          aria-label="Order of siblings"
          onChange={(e) => onFilters({ ...f, order: e.target.value as SiblingOrder })}
        >
          {ORDERS.map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      </label>
      <label className="check" title="Subtrees holding containers before host processes">
        <input
          type="checkbox"
          checked={f.containersFirst}
          data-testid="containers-first"
          onChange={(e) => onFilters({ ...f, containersFirst: e.target.checked })}
        />
        containers first
      </label>
      <div className="buttons">
        <button type="button" onClick={props.onExpandAll} title="Expand every subtree">
          Expand all
        </button>
        <button type="button" onClick={props.onCollapseAll} title="Collapse to the top level">
          Collapse
        </button>
        <button type="button" onClick={() => props.onZoom(1 / 1.25)} aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={() => props.onZoom(1.25)} aria-label="Zoom in">
          +
        </button>
        <button
          type="button"
          onClick={props.onFit}
          data-testid="fit"
          title="Fit the tree to the screen"
        >
          Fit
        </button>
      </div>
      <fieldset className="export" aria-label="Take it with you">
        {EXPORTS.map(([kind, text, title]) => (
          <button
            key={kind}
            type="button"
            data-testid={`export-${kind}`}
            title={title}
            onClick={() => props.onExport(kind)}
          >
            {text}
          </button>
        ))}
        {props.exported ? (
          <output className="muted" data-testid="export-said">
            {props.exported}
          </output>
        ) : null}
      </fieldset>
    </div>
  );
});
