import type { FleetHost } from '@pidscope/protocol';
import { formatCount, formatDuration } from '../../model/labels.js';

interface Props {
  host: FleetHost;
  now: number;
  onOpen(id: string): void;
}

/** Share used at which a bar turns amber, then red (as the host's own headroom panel). */
const levelOf = (usedPercent: number) =>
  usedPercent >= 90 ? 'red' : usedPercent >= 75 ? 'amber' : 'ok';

/** One host of the fleet: status, host headroom, zombies and the container closest to its limit. */
export function HostCard({ host, now, onOpen }: Props) {
  const s = host.summary;
  const used = s ? Math.max(0, Math.min(100, 100 - s.headroom.percent)) : null;
  const worst = s?.worstContainer ?? null;
  return (
    <button
      type="button"
      className={`ps-host-card ps-host-${host.status}`}
      data-testid={`host-card-${host.id}`}
      data-status={host.status}
      onClick={() => onOpen(host.id)}
    >
      <span className="ps-host-name">
        <strong>{host.hostname ?? host.id}</strong>
        <span className={`ps-host-status ps-host-status-${host.status}`} data-testid="host-status">
          {host.status}
        </span>
      </span>
      <span className="ps-host-url muted">{host.url}</span>
      {host.status !== 'up' ? (
        <span className="ps-host-down" data-testid="host-down-for">
          {host.status === 'down' ? 'down' : 'connecting'} for{' '}
          {formatDuration(Math.max(0, now - host.since))}
          {host.error ? <span className="muted"> — {host.error}</span> : null}
        </span>
      ) : null}
      {s && used !== null ? (
        <>
          <span className="ps-host-bar" title={`${s.headroom.percent}% of the host's tasks free`}>
            <span className={`ps-host-fill ps-${levelOf(used)}`} style={{ width: `${used}%` }} />
          </span>
          <span className="ps-host-facts">
            <span>
              {formatCount(s.headroom.free)} tasks free ({s.headroom.percent}%)
            </span>
            <span className={s.zombies ? 'bad' : 'muted'} data-testid="host-zombies">
              {s.zombies} zombie{s.zombies === 1 ? '' : 's'}
            </span>
            <span className="muted">
              {formatCount(s.processes)} processes · {s.containers} containers
            </span>
          </span>
          <span className="ps-host-worst">
            {worst ? (
              <>
                worst container <strong>{worst.name}</strong>{' '}
                <span className={`ps-${levelOf(worst.usedPercent)}-text`}>
                  {worst.pidsCurrent}/{worst.pidsMax} ({worst.usedPercent}%)
                </span>
                {s.containersNearLimit > 0 ? ` · ${s.containersNearLimit} over 80%` : ''}
              </>
            ) : (
              <span className="muted">no container has a pids limit</span>
            )}
          </span>
        </>
      ) : null}
    </button>
  );
}
