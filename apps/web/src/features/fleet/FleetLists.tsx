import { formatDuration } from '../../model/labels.js';
import type { FleetLists as Lists } from './useFleetLists.js';

interface Props {
  lists: Lists;
  /** Opens a host's tree, with a process selected. */
  onOpen(host: string, selection: { pid: number; startTime: number } | null): void;
  /** Host names by id, for hosts the lists name. */
  names: ReadonlyMap<string, string>;
}

const MAX_ROWS = 200;

/** Every zombie of the fleet, oldest first, and every container, closest to its limit first. */
export function FleetLists({ lists, onOpen, names }: Props) {
  const { zombies, containers } = lists;
  const hostName = (id: string) => names.get(id) ?? id;
  return (
    <div className="ps-fleet-lists">
      <section className="panel" data-testid="fleet-zombies">
        <h2>
          Zombies{zombies ? ` (${zombies.zombies.length})` : ''}
          {zombies?.unavailable.length ? (
            <span className="muted"> · {zombies.unavailable.length} hosts not up</span>
          ) : null}
        </h2>
        {zombies && zombies.zombies.length === 0 ? (
          <p className="muted">No zombie on any host that is up.</p>
        ) : null}
        {zombies && zombies.zombies.length > 0 ? (
          <table>
            <thead>
              <tr>
                <th>host</th>
                <th>zombie</th>
                <th>container</th>
                <th>blamed parent</th>
                <th>age</th>
              </tr>
            </thead>
            <tbody>
              {zombies.zombies.slice(0, MAX_ROWS).map((z) => (
                <tr
                  key={`${z.host}/${z.pid}:${z.startTime}`}
                  data-testid={`fleet-zombie-${z.host}-${z.pid}`}
                  onClick={() => onOpen(z.host, z)}
                >
                  <td>{hostName(z.host)}</td>
                  <td>
                    {z.comm} {z.pid}
                    {z.nsPid !== null ? ` ⟨${z.nsPid}⟩` : ''}
                  </td>
                  <td>{z.containerName ?? (z.containerId ? z.containerId.slice(0, 12) : '—')}</td>
                  <td>{z.parent ? `${z.parent.comm} ${z.parent.pid}` : 'not visible'}</td>
                  <td>{formatDuration(z.ageMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      <section className="panel" data-testid="fleet-containers">
        <h2>Containers by headroom{containers ? ` (${containers.containers.length})` : ''}</h2>
        {containers && containers.containers.length === 0 ? (
          <p className="muted">No container on any host that is up.</p>
        ) : null}
        {containers && containers.containers.length > 0 ? (
          <table>
            <thead>
              <tr>
                <th>host</th>
                <th>container</th>
                <th>pids</th>
                <th>headroom</th>
              </tr>
            </thead>
            <tbody>
              {containers.containers.slice(0, MAX_ROWS).map((c) => (
                <tr key={`${c.host}/${c.container.id}`} onClick={() => onOpen(c.host, null)}>
                  <td>{hostName(c.host)}</td>
                  <td>{c.container.name}</td>
                  <td>
                    {c.container.pidsCurrent ?? '?'}
                    {c.container.pidsMax !== null ? `/${c.container.pidsMax}` : ''}
                  </td>
                  <td className={c.usedPercent !== null && c.usedPercent >= 80 ? 'bad' : ''}>
                    {c.headroom === null ? 'no limit' : `${c.headroom} (${c.usedPercent}% used)`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </div>
  );
}
