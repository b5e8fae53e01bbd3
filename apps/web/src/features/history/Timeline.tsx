import type { Event, EventType } from '@pidscope/protocol';
import { memo, type PointerEvent, useEffect, useMemo, useRef, useState } from 'react';
import { useApiRoot } from '../../hooks/useApiRoot.js';
import { fetchEvents } from '../../net/api.js';
import { atOf, clock, timelineWindow, when, ZOOMS } from './moment.js';
import type { Speed, TimeTravel } from './useTimeTravel.js';
import './history.css';

/** The events drawn as ticks, each in its colour. */
const TICK_TYPES: readonly EventType[] = ['zombie-appeared', 'pids-limit-hit', 'reparented'];
const TICK_COLUMNS = 400;
const SPEEDS: readonly Speed[] = [1, 10, 60];

interface Tick {
  column: number;
  type: EventType;
  count: number;
}

/** Events bucketed into columns of the track, one tick per type and column. */
export function ticksOf(events: readonly Event[], w: { from: number; to: number }): Tick[] {
  const byCell = new Map<string, Tick>();
  for (const e of events) {
    if (e.at < w.from || e.at > w.to) continue;
    const column = Math.min(
      TICK_COLUMNS - 1,
      Math.floor(((e.at - w.from) / (w.to - w.from)) * TICK_COLUMNS),
    );
    const key = `${column}:${e.type}`;
    const t = byCell.get(key);
    if (t) t.count++;
    else byCell.set(key, { column, type: e.type, count: 1 });
  }
  return [...byCell.values()];
}

interface Props {
  travel: TimeTravel;
}

/** The recorded range under the header: where the page is in time, and the way back. */
export const Timeline = memo(function Timeline({ travel }: Props) {
  const { moment, range } = travel;
  const [zoom, setZoom] = useState<number | 'all'>(ZOOMS[1].ms);
  const [now, setNow] = useState(() => Date.now());
  const [events, setEvents] = useState<readonly Event[]>([]);
  const track = useRef<HTMLDivElement | null>(null);
  const dragging = useRef(false);
  const root = useApiRoot();

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(timer);
  }, []);
  const span = zoom === 'all' ? now - (range?.from ?? now - ZOOMS[0].ms) : zoom;
  const win = useMemo(
    () => timelineWindow(range ?? { from: null }, now, Math.max(span, 60_000)),
    [range, now, span],
  );

  useEffect(() => {
    const ctl = new AbortController();
    fetchEvents(
      { since: win.from, until: win.to, types: TICK_TYPES, limit: 10_000 },
      ctl.signal,
      root,
    ).then(setEvents, () => undefined);
    return () => ctl.abort();
  }, [win.from, win.to, root]);
  const ticks = useMemo(() => ticksOf(events, win), [events, win]);

  const pct = (at: number) => `${(((at - win.from) / (win.to - win.from)) * 100).toFixed(3)}%`;
  const pick = (e: PointerEvent<HTMLDivElement>) => {
    const box = track.current?.getBoundingClientRect();
    if (!box) return;
    const at = atOf(e.clientX - box.left, win, box.width);
    travel.goTo(Math.min(at, Date.now()));
  };
  const recorded = range?.from != null && range.to != null;
  const status = range?.recording;

  return (
    <section className="timeline" aria-label="Recorded history" data-testid="timeline">
      <div className="tl-bar">
        {moment === null ? (
          <span className="tl-live" data-testid="timeline-live">
            live
          </span>
        ) : (
          <>
            <span className="tl-at" data-testid="timeline-moment">
              at {when(moment, now)} (recorded)
            </span>
            {travel.view &&
            travel.view.updatedAt !== null &&
            moment - travel.view.updatedAt > 5000 ? (
              <span className="tl-stale">
                nothing recorded after {clock(travel.view.updatedAt)}
              </span>
            ) : null}
            <button
              type="button"
              className="tl-back"
              onClick={travel.live}
              data-testid="back-to-live"
            >
              Back to live
            </button>
            {SPEEDS.map((s) => (
              <button
                key={s}
                type="button"
                aria-pressed={travel.playing === s}
                onClick={() => (travel.playing === s ? travel.pause() : travel.play(s))}
                title={`Play at ${s}×`}
              >
                ▶ {s}×
              </button>
            ))}
          </>
        )}
        {travel.loading ? <span className="tl-loading">loading…</span> : null}
        {travel.error ? (
          <span className="tl-error" role="alert">
            {travel.error}
          </span>
        ) : null}
        {status && status.state !== 'recording' ? (
          <span className="tl-warning" role="status" data-testid="recording-warning">
            recording {status.state}
            {status.reason ? `: ${status.reason}` : ''}
          </span>
        ) : null}
        <fieldset className="tl-zooms" aria-label="Zoom">
          {ZOOMS.map((z) => (
            <button
              key={z.label}
              type="button"
              aria-pressed={zoom === z.ms}
              onClick={() => setZoom(z.ms)}
            >
              {z.label}
            </button>
          ))}
          <button type="button" aria-pressed={zoom === 'all'} onClick={() => setZoom('all')}>
            all
          </button>
        </fieldset>
      </div>
      <div
        ref={track}
        className="tl-track"
        data-testid="timeline-track"
        data-from={win.from}
        data-to={win.to}
        role="slider"
        tabIndex={0}
        aria-label="Moment to show"
        aria-valuemin={win.from}
        aria-valuemax={win.to}
        aria-valuenow={moment ?? win.to}
        aria-valuetext={moment === null ? 'live' : clock(moment)}
        onPointerDown={(e) => {
          dragging.current = true;
          e.currentTarget.setPointerCapture?.(e.pointerId);
          pick(e);
        }}
        onPointerMove={(e) => {
          if (dragging.current) pick(e);
        }}
        onPointerUp={() => {
          dragging.current = false;
        }}
        onKeyDown={(e) => {
          const step = (win.to - win.from) / 100;
          if (e.key === 'ArrowLeft') travel.goTo((moment ?? win.to) - step);
          else if (e.key === 'ArrowRight' && moment !== null) {
            if (moment + step >= Date.now()) travel.live();
            else travel.goTo(moment + step);
          } else if (e.key === 'End') travel.live();
        }}
      >
        {recorded ? (
          <div
            className="tl-recorded"
            style={{
              left: pct(Math.max(win.from, range.from as number)),
              right: `calc(100% - ${pct(Math.min(win.to, range.to as number))})`,
            }}
          />
        ) : null}
        {ticks.map((t) => (
          <span
            key={`${t.column}:${t.type}`}
            className="tl-tick"
            data-type={t.type}
            style={{ left: `${((t.column + 0.5) / TICK_COLUMNS) * 100}%` }}
            title={`${t.count} ${t.type}`}
          />
        ))}
        {moment !== null && moment >= win.from ? (
          <div className="tl-cursor" style={{ left: pct(moment) }} />
        ) : null}
      </div>
      <div className="tl-scale" aria-hidden="true">
        <span>{when(win.from, now)}</span>
        <span>now</span>
      </div>
    </section>
  );
});
