import type { DockerStatus, Hello, Host } from '@pidscope/protocol';
import { formatDuration } from '../model/labels.js';
import type { ConnectionStatus } from '../net/connection.js';
import './ConnectionBadge.css';

interface Props {
  status: ConnectionStatus;
  hello: Hello | null;
  docker: DockerStatus | null;
  /** How the agent learns of changes ([S6]); null before the first snapshot. */
  source: Pick<Host, 'source' | 'sourceReason'> | null;
  lastUpdate: number | null;
  now: number;
  problem: string | null;
}

const HINT: Record<ConnectionStatus, string> = {
  live: 'Receiving updates from the agent',
  reconnecting: 'Connecting to the agent…',
  stale: 'No update from the agent for a while; reconnecting',
};

export function ConnectionBadge({
  status,
  hello,
  docker,
  source,
  lastUpdate,
  now,
  problem,
}: Props) {
  return (
    <div className="conn">
      <span className={`conn-dot conn-${status}`} aria-hidden="true" />
      <span
        className={`conn-status conn-${status}`}
        data-testid="connection-status"
        role="status"
        title={problem ?? HINT[status]}
      >
        {status}
      </span>
      {status !== 'live' && lastUpdate !== null ? (
        <span className="muted">last update {formatDuration(now - lastUpdate)} ago</span>
      ) : null}
      {problem ? <span className="conn-problem">{problem}</span> : null}
      {hello ? (
        <span className="muted host-meta">
          {hello.hostname} · kernel {hello.kernel}
          {hello.readOnly ? ' · read-only' : ''}
        </span>
      ) : null}
      {source ? (
        <span
          className={source.source === 'polling' ? 'source-polling' : 'muted'}
          data-testid="update-source"
          title={
            source.source === 'polling'
              ? `The agent scans /proc on a timer: ${source.sourceReason ?? 'kernel events are not available'}`
              : 'The kernel reports every fork, exec and exit; a slow rescan catches anything missed'
          }
        >
          {source.source === 'polling'
            ? `polling every ${every(hello?.intervalMs ?? 1000)}`
            : 'kernel events'}
        </span>
      ) : null}
      {docker && !docker.available ? (
        <span className="docker-off" title={docker.reason ?? undefined}>
          Docker unavailable{docker.reason ? `: ${docker.reason}` : ''}
        </span>
      ) : null}
    </div>
  );
}

const every = (ms: number) => (ms < 1000 ? `${ms} ms` : formatDuration(ms));

/** Where the tree goes, until the first snapshot. */
export function ConnectionPlaceholder({
  status,
  problem,
}: {
  status: ConnectionStatus;
  problem: string | null;
}) {
  return (
    <div className="placeholder">
      <p>{status === 'reconnecting' ? 'Connecting to the pidscope agent…' : 'Waiting for data…'}</p>
      {problem ? <p className="conn-problem">{problem}</p> : null}
    </div>
  );
}
