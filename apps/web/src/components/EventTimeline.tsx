import type { Event, EventType } from '@pidscope/protocol';
import { memo, useMemo, useState } from 'react';
import { formatClock } from '../model/labels.js';

export const EVENT_TYPES: readonly EventType[] = [
  'zombie-appeared',
  'zombie-reaped',
  'reparented',
  'exited',
  'container-started',
  'container-stopped',
  'pids-limit-hit',
];

const TITLES: Record<EventType, string> = {
  'zombie-appeared': 'zombie',
  'zombie-reaped': 'reaped',
  reparented: 'reparented',
  exited: 'exited',
  'container-started': 'started',
  'container-stopped': 'stopped',
  'pids-limit-hit': 'pids limit',
};

/** Entries drawn at most; older ones stay in the store. */
const SHOWN = 150;

/**
 * Dozens of entries arrive with each patch on a busy host: entries scrolled out of the list are
 * not laid out or painted (the browser keeps their last height), and the list is a layout root,
 * so new entries do not make the browser lay out the rest of the page again.
 */
const ROW_STYLE = { contentVisibility: 'auto', containIntrinsicSize: 'auto 21px' } as const;
const LIST_STYLE = { contain: 'strict' } as const;

const EventRow = memo(function EventRow({
  e,
  selected,
  onSelect,
}: {
  e: Event;
  selected: boolean;
  onSelect(e: Event): void;
}) {
  return (
    <li style={ROW_STYLE}>
      <button
        type="button"
        className={selected ? 'event selected' : 'event'}
        data-testid="event"
        data-type={e.type}
        data-pid={e.pid}
        onClick={() => onSelect(e)}
      >
        <time dateTime={new Date(e.at).toISOString()}>{formatClock(e.at)}</time>
        <span className={`ev-type ev-${e.type}`}>{TITLES[e.type]}</span>
        <span className="ev-msg">{e.message}</span>
      </button>
    </li>
  );
});

interface Props {
  events: readonly Event[];
  selectedKey: string | null;
  onSelect(e: Event): void;
}

export function EventTimeline({ events, selectedKey, onSelect }: Props) {
  const [hidden, setHidden] = useState<ReadonlySet<EventType>>(new Set());
  const counts = useMemo(() => {
    const c = new Map<EventType, number>();
    for (const e of events) c.set(e.type, (c.get(e.type) ?? 0) + 1);
    return c;
  }, [events]);
  const shown = useMemo(() => {
    const out: Event[] = [];
    for (let i = events.length - 1; i >= 0 && out.length < SHOWN; i--) {
      const e = events[i] as Event;
      if (!hidden.has(e.type)) out.push(e);
    }
    return out;
  }, [events, hidden]);

  const toggle = (t: EventType) => {
    const next = new Set(hidden);
    if (next.has(t)) next.delete(t);
    else next.add(t);
    setHidden(next);
  };

  return (
    <section className="panel timeline" aria-labelledby="timeline-title">
      <div className="timeline-head">
        <h2 id="timeline-title">Events</h2>
        <fieldset className="chips" aria-label="Event types shown">
          {EVENT_TYPES.map((t) => (
            <label key={t} className={`chip ev-${t}`} data-off={hidden.has(t) || undefined}>
              <input
                type="checkbox"
                checked={!hidden.has(t)}
                onChange={() => toggle(t)}
                data-testid={`event-filter-${t}`}
              />
              {TITLES[t]} <span className="count">{counts.get(t) ?? 0}</span>
            </label>
          ))}
        </fieldset>
      </div>
      <ol className="events" data-testid="event-timeline" style={LIST_STYLE}>
        {shown.length === 0 ? (
          <li className="empty">
            {events.length === 0 ? 'No events yet.' : 'No events of the chosen types.'}
          </li>
        ) : null}
        {shown.map((e) => (
          <EventRow
            key={`${e.id}:${e.at}`}
            e={e}
            selected={`${e.pid}:${e.startTime}` === selectedKey}
            onSelect={onSelect}
          />
        ))}
      </ol>
    </section>
  );
}
