import type { FleetHost } from '@pidscope/protocol';

interface Props {
  hosts: readonly FleetHost[];
  /** The host shown, or null on the overview. */
  current: string | null;
  onOpen(id: string | null): void;
}

/** The header's host picker: the fleet overview, then every host with its status. */
export function HostSwitcher({ hosts, current, onOpen }: Props) {
  const known = current === null || hosts.some((h) => h.id === current);
  return (
    <label className="ps-host-switcher">
      <span className="muted">host</span>
      <select
        data-testid="host-switcher"
        value={current ?? ''}
        onChange={(e) => onOpen(e.target.value || null)}
      >
        <option value="">fleet overview ({hosts.length} hosts)</option>
        {known ? null : <option value={current ?? ''}>{current}</option>}
        {hosts.map((h) => (
          <option key={h.id} value={h.id}>
            {h.hostname ?? h.id}
            {h.status === 'up' ? '' : ` (${h.status})`}
          </option>
        ))}
      </select>
    </label>
  );
}
