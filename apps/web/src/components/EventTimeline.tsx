import { EVENT_TYPES, type Event, type EventType } from '@pidscope/protocol';
import { memo, useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { type Line, timelineLines } from '../model/eventGroups.js';
import { formatClock } from '../model/labels.js';
import './EventTimeline.css';

const TITLES: Record<EventType, string> = {
  'zombie-appeared': 'zombie',
  'zombie-reaped': 'reaped',
  reparented: 'reparented',
  exited: 'exited',
  'container-started': 'started',
  'container-stopped': 'stopped',
  'pids-limit-hit': 'pids limit',
};

/** Every entry is one line of this height, so the list can draw only the lines in view. */
export const EVENT_ROW_HEIGHT = 22;
/** Lines drawn above and below the view, so a small scroll shows lines already there. */
const OVERSCAN = 8;

/**
 * Dozens of entries arrive with each patch on a busy host. Only the lines in view are in the
 * page: a list of every entry cost a full style, layout and paint of hundreds of rows per patch,
 * and most of the dropped frames while patches landed.
 */
const EventRow = memo(function EventRow({
  line,
  index,
  setSize,
  selectedKey,
  onSelect,
  onToggle,
}: {
  line: Line;
  index: number;
  setSize: number;
  selectedKey: string | null;
  onSelect(e: Event): void;
  onToggle(key: string): void;
}) {
  const style = { transform: `translateY(${index * EVENT_ROW_HEIGHT}px)` };
  if (line.kind === 'group') {
    const newest = line.events[0] as Event;
    const oldest = line.events[line.events.length - 1] as Event;
    return (
      <li className="event-row" style={style} aria-posinset={index + 1} aria-setsize={setSize}>
        <button
          type="button"
          className="event event-group"
          data-testid="event-group"
          data-type={newest.type}
          data-count={line.events.length}
          aria-expanded={line.open}
          onClick={() => onToggle(line.key)}
        >
          <time dateTime={new Date(newest.at).toISOString()}>
            {formatClock(oldest.at)}–{formatClock(newest.at)}
          </time>
          <span className={`ev-type ev-${newest.type}`}>{TITLES[newest.type]}</span>
          <span className="ev-count">×{line.events.length}</span>
          <span className="ev-msg">{newest.message}</span>
        </button>
      </li>
    );
  }
  const e = line.event;
  return (
    <li
      className={line.member ? 'event-row member' : 'event-row'}
      style={style}
      aria-posinset={index + 1}
      aria-setsize={setSize}
    >
      <button
        type="button"
        className={`${e.pid}:${e.startTime}` === selectedKey ? 'event selected' : 'event'}
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

/** One event type's filter: renders when its count or state changes, not with every patch. */
const Chip = memo(function Chip({
  type,
  off,
  count,
  onToggle,
}: {
  type: EventType;
  off: boolean;
  count: number;
  onToggle(t: EventType): void;
}) {
  return (
    <label className={`chip ev-${type}`} data-off={off || undefined}>
      <input
        type="checkbox"
        checked={!off}
        onChange={() => onToggle(type)}
        data-testid={`event-filter-${type}`}
      />
      {TITLES[type]} <span className="count">{count}</span>
    </label>
  );
});

interface Props {
  events: readonly Event[];
  selectedKey: string | null;
  onSelect(e: Event): void;
}

/** Memoised: a layout arriving or the clock ticking re-renders the page, not the timeline. */
export const EventTimeline = memo(function EventTimeline({ events, selectedKey, onSelect }: Props) {
  const [hidden, setHidden] = useState<ReadonlySet<EventType>>(new Set());
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const counts = useMemo(() => {
    const c = new Map<EventType, number>();
    for (const e of events) c.set(e.type, (c.get(e.type) ?? 0) + 1);
    return c;
  }, [events]);
  // Newest first.
  const shown = useMemo(() => {
    const out: Event[] = [];
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i] as Event;
      if (!hidden.has(e.type)) out.push(e);
    }
    return out;
  }, [events, hidden]);

  // Repeated events are one line each (expandable): a flood of one kind does not push the rest away.
  const lines = useMemo(() => timelineLines(shown, open), [shown, open]);
  const toggleGroup = useCallback((key: string) => {
    setOpen((was) => {
      const next = new Set(was);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  }, []);

  const scroller = useRef<HTMLDivElement | null>(null);
  const [view, setView] = useState({ top: 0, height: 8 * EVENT_ROW_HEIGHT });
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() =>
      setView((v) => ({ ...v, height: el.clientHeight || v.height })),
    );
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  // Someone reading older entries keeps them in place while new ones arrive above. (The scroll
  // position comes from the last scroll event: reading it here would force a layout per patch.)
  const newest = useRef<Event | undefined>(undefined);
  const scrolledTo = useRef(0);
  scrolledTo.current = view.top;
  useLayoutEffect(() => {
    const el = scroller.current;
    const before = newest.current;
    const top = lines[0];
    newest.current = top?.kind === 'group' ? top.events[0] : top?.event;
    if (!el || !before || scrolledTo.current === 0 || newest.current === before) return;
    const moved = lines.findIndex((l) =>
      l.kind === 'group' ? l.events.includes(before) : l.event === before,
    );
    if (moved > 0) el.scrollTop = scrolledTo.current + moved * EVENT_ROW_HEIGHT;
  }, [lines]);

  const first = Math.max(0, Math.floor(view.top / EVENT_ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(
    lines.length,
    Math.ceil((view.top + view.height) / EVENT_ROW_HEIGHT) + OVERSCAN,
  );

  const toggle = useCallback((t: EventType) => {
    setHidden((was) => {
      const next = new Set(was);
      if (next.has(t)) next.delete(t);
      else next.add(t);
      return next;
    });
  }, []);

  return (
    <section className="panel timeline" aria-labelledby="timeline-title">
      <div className="timeline-head">
        <h2 id="timeline-title">Events</h2>
        <fieldset className="chips" aria-label="Event types shown">
          {EVENT_TYPES.map((t) => (
            <Chip
              key={t}
              type={t}
              off={hidden.has(t)}
              count={counts.get(t) ?? 0}
              onToggle={toggle}
            />
          ))}
        </fieldset>
      </div>
      <div
        ref={scroller}
        className="events"
        onScroll={(e) => {
          const el = e.currentTarget;
          setView({ top: el.scrollTop, height: el.clientHeight || view.height });
        }}
      >
        {shown.length === 0 ? (
          <p className="empty">
            {events.length === 0 ? 'No events yet.' : 'No events of the chosen types.'}
          </p>
        ) : null}
        <ol
          data-testid="event-timeline"
          data-total={shown.length}
          style={{ height: lines.length * EVENT_ROW_HEIGHT }}
        >
          {lines.slice(first, last).map((line, i) => (
            <EventRow
              // biome-ignore lint/suspicious/noArrayIndexKey: keyed by line, not by event: as entries arrive above, the lines in view keep their elements and take new text instead of being replaced.
              key={first + i}
              line={line}
              index={first + i}
              setSize={lines.length}
              selectedKey={selectedKey}
              onSelect={onSelect}
              onToggle={toggleGroup}
            />
          ))}
        </ol>
      </div>
    </section>
  );
});
