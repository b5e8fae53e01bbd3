import { useMemo } from 'react';
import { FleetLists } from './FleetLists.js';
import { listsSignature, worstFirst } from './fleetState.js';
import { HostCard } from './HostCard.js';
import { HostSwitcher } from './HostSwitcher.js';
import type { Fleet } from './useFleet.js';
import { useFleetLists } from './useFleetLists.js';

interface Props {
  fleet: Fleet;
  onOpen(id: string | null, selection?: { pid: number; startTime: number } | null): void;
}

/** The hub's front page: one card per host, worst first, and the fleet-wide lists. */
export function FleetOverview({ fleet, onOpen }: Props) {
  const hosts = useMemo(() => worstFirst(fleet.hosts), [fleet.hosts]);
  const lists = useFleetLists(useMemo(() => listsSignature(fleet.hosts), [fleet.hosts]));
  const names = useMemo(() => new Map(hosts.map((h) => [h.id, h.hostname ?? h.id])), [hosts]);
  const count = (status: string) => hosts.filter((h) => h.status === status).length;
  return (
    <div className="ps-fleet">
      <header className="topbar">
        <h1 className="brand">
          pid<span>scope</span>
        </h1>
        <HostSwitcher hosts={hosts} current={null} onOpen={onOpen} />
        <div className="summary" data-testid="fleet-summary">
          <span>{count('up')} up</span>
          <span className={count('down') ? 'bad' : 'muted'}>{count('down')} down</span>
          {count('connecting') ? (
            <span className="muted">{count('connecting')} connecting</span>
          ) : null}
          <span className="muted" data-testid="fleet-status">
            {fleet.status}
          </span>
        </div>
      </header>
      <main className="ps-fleet-main">
        {hosts.length === 0 ? (
          <p className="muted">
            {fleet.status === 'live'
              ? 'The hub has found no agent yet: check PIDSCOPE_AGENTS and GET /api/v1/hosts.'
              : 'Connecting to the hub…'}
          </p>
        ) : null}
        <div className="ps-host-cards" data-testid="host-cards">
          {hosts.map((h) => (
            <HostCard key={h.id} host={h} now={fleet.now} onOpen={(id) => onOpen(id)} />
          ))}
        </div>
        <FleetLists lists={lists} names={names} onOpen={(id, sel) => onOpen(id, sel)} />
      </main>
    </div>
  );
}
