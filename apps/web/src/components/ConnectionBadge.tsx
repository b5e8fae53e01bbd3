import type { DockerStatus, Hello } from '@pidscope/protocol';
import { formatDuration } from '../model/labels.js';
import type { ConnectionStatus } from '../net/connection.js';
import './ConnectionBadge.css';

interface Props {
  status: ConnectionStatus;
  hello: Hello | null;
  docker: DockerStatus | null;
  lastUpdate: number | null;
  now: number;
  problem: string | null;
}

const HINT: Record<ConnectionStatus, string> = {
  live: 'Receiving updates from the agent',
  reconnecting: 'Connecting to the agent…',
  stale: 'No update from the agent for a while; reconnecting',
};

export function ConnectionBadge({ status, hello, docker, lastUpdate, now, problem }: Props) {
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
      {docker && !docker.available ? (
        <span className="docker-off" title={docker.reason ?? undefined}>
          Docker unavailable{docker.reason ? `: ${docker.reason}` : ''}
        </span>
      ) : null}
    </div>
  );
}

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
