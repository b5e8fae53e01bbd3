import type { ZombieLeaders as Leaders, ZombieLeader } from '@pidscope/protocol';
import { memo, useEffect, useState } from 'react';
import { useApiRoot } from '../../hooks/useApiRoot.js';
import { formatDuration } from '../../model/labels.js';
import { fetchLeaders } from '../../net/api.js';
import './history.css';

interface Props {
  /** Shows the parent: in the live tree when it still runs, else at `at` in the past. */
  onShowParent(parent: { pid: number; startTime: number }, at: number | null): void;
  pollMs?: number;
}

function where(l: ZombieLeader): string {
  if (!l.containerId) return 'host';
  const name = l.containerName ?? l.containerId.slice(0, 12);
  return l.image ? `${name} (${l.image})` : name;
}

/**
 * Who leaks zombies ([H9]): parents ranked by zombies left, per image and command. Memoised: the
 * side column renders on every live patch, and this changes only with its own answers.
 */
export const ZombieLeaders = memo(function ZombieLeaders({ onShowParent, pollMs = 15_000 }: Props) {
  const [window, setWindow] = useState<'1h' | '24h'>('1h');
  const [data, setData] = useState<Leaders | null>(null);
  const [error, setError] = useState<string | null>(null);
  const root = useApiRoot();

  useEffect(() => {
    let stopped = false;
    const ctl = new AbortController();
    const load = () =>
      fetchLeaders(window, ctl.signal, root).then(
        (d) => {
          if (stopped) return;
          setData(d);
          setError(null);
        },
        (err: unknown) => !stopped && setError(err instanceof Error ? err.message : String(err)),
      );
    void load();
    const timer = setInterval(load, pollMs);
    return () => {
      stopped = true;
      ctl.abort();
      clearInterval(timer);
    };
  }, [window, pollMs, root]);

  const rows = data?.window === window ? data.leaders : [];
  return (
    <section className="panel leaders" aria-labelledby="leaders-title" data-testid="zombie-leaders">
      <h2 id="leaders-title">
        Who leaks zombies{' '}
        <fieldset className="inline-group" aria-label="Window">
          {(['1h', '24h'] as const).map((w) => (
            <button key={w} type="button" aria-pressed={window === w} onClick={() => setWindow(w)}>
              {w}
            </button>
          ))}
        </fieldset>
      </h2>
      {error ? <p role="alert">{error}</p> : null}
      {rows.length === 0 ? (
        <p className="muted">No zombies in the last {window === '1h' ? 'hour' : 'day'}.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>parent</th>
              <th>where</th>
              <th title="zombies created in the window">made</th>
              <th title="of those, reaped">reaped</th>
              <th title="zombies there now">now</th>
              <th title="age of the oldest zombie there now">oldest</th>
              <th title="created per hour">/h</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((l) => (
              <tr
                key={`${l.image ?? l.containerId ?? 'host'}:${l.parentComm}`}
                data-testid="leader-row"
              >
                <td>
                  <button
                    type="button"
                    className="linklike"
                    onClick={() => onShowParent(l.parent, l.parent.alive ? null : l.parent.seenAt)}
                    title={
                      l.parent.alive
                        ? `Show PID ${l.parent.pid} in the tree`
                        : `PID ${l.parent.pid} is gone: show it when its last zombie appeared`
                    }
                  >
                    {l.parentComm} {l.parent.pid > 0 ? l.parent.pid : ''}
                  </button>
                  {l.parent.alive ? null : <span className="muted"> (gone)</span>}
                </td>
                <td>
                  {where(l)}
                  {l.containerId && l.hasInit === false ? (
                    <span className="muted"> no init</span>
                  ) : null}
                </td>
                <td className="num">{l.created}</td>
                <td className="num">{l.reaped}</td>
                <td className="num">{l.alive}</td>
                <td className="num">
                  {l.oldestAgeMs === null ? '' : formatDuration(l.oldestAgeMs)}
                </td>
                <td className="num">{l.ratePerHour}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
});
