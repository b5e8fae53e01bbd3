import type { Hello, HistoryRange } from '@pidscope/protocol';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { History } from '../../model/headroom.js';
import type { StoreView } from '../../model/store.js';
import { fetchEvents, fetchRange, fetchSeries, fetchStateAt } from '../../net/api.js';
import { markMomentAsked, markMomentShown } from '../../perf.js';
import { historyOf, pastView } from './pastView.js';

export type Speed = 1 | 10 | 60;

export interface TimeTravel {
  /** The moment shown; null: live. */
  moment: number | null;
  /** The page's view at that moment, once it has arrived (the last one while the next loads). */
  view: StoreView | null;
  loading: boolean;
  error: string | null;
  range: HistoryRange | null;
  playing: Speed | null;
  goTo(at: number): void;
  live(): void;
  play(speed: Speed): void;
  pause(): void;
}

export interface TimeTravelOptions {
  hello: Hello | null;
  /** The moment in the page's URL at start. */
  initialMoment: number | null;
  /** Keeps `?at=` in the address bar. */
  onMomentUrl?(at: number | null): void;
  /** The page's agent API root: '' for the agent serving the page, a host's through a hub. */
  apiRoot?: string;
}

/** The sparklines of a past moment reach this far back. */
const SERIES_MS = 3_600_000;
const EVENTS_SHOWN = 300;
const RANGE_EVERY_MS = 15_000;

/**
 * Going back in time: which moment the page shows, and its view, loaded from the agent's
 * recording. Scrubbing keeps one request in flight; a newer moment asked meanwhile is loaded as
 * soon as it returns, so the page follows the pointer and lands on where it stopped.
 */
export function useTimeTravel(opts: TimeTravelOptions): TimeTravel {
  const { onMomentUrl } = opts;
  const root = opts.apiRoot ?? '';
  const [moment, setMoment] = useState<number | null>(opts.initialMoment);
  const [view, setView] = useState<StoreView | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [range, setRange] = useState<HistoryRange | null>(null);
  const [playing, setPlaying] = useState<Speed | null>(null);
  const hello = useRef(opts.hello);
  hello.current = opts.hello;
  const flight = useRef<{ busy: boolean; next: number | null; live: boolean }>({
    busy: false,
    next: null,
    live: opts.initialMoment === null,
  });

  const load = useCallback(
    async (at: number): Promise<void> => {
      const f = flight.current;
      if (f.busy) {
        f.next = at;
        return;
      }
      f.busy = true;
      setLoading(true);
      try {
        const [recorded, events, series] = await Promise.all([
          fetchStateAt(at, undefined, root),
          fetchEvents({ until: at, limit: EVENTS_SHOWN }, undefined, root),
          fetchSeries(at - SERIES_MS, at + 1, 120, undefined, root).catch(() => null),
        ]);
        if (!f.live) {
          setView(pastView({ hello: hello.current, recorded, events, series }));
          setError(null);
          if (f.next === null) markMomentShown(recorded.state);
        }
      } catch (err) {
        if (!f.live) setError(err instanceof Error ? err.message : String(err));
      } finally {
        f.busy = false;
        const next = f.next;
        f.next = null;
        if (next !== null && !f.live) void load(next);
        else setLoading(false);
      }
    },
    [root],
  );

  const goTo = useCallback(
    (at: number) => {
      markMomentAsked();
      flight.current.live = false;
      setMoment(at);
      onMomentUrl?.(at);
      void load(at);
    },
    [load, onMomentUrl],
  );

  const live = useCallback(() => {
    flight.current = { busy: flight.current.busy, next: null, live: true };
    setMoment(null);
    setView(null);
    setError(null);
    setPlaying(null);
    onMomentUrl?.(null);
  }, [onMomentUrl]);

  // The page opened on a link to a moment.
  const opened = useRef(false);
  useEffect(() => {
    if (opened.current) return;
    opened.current = true;
    if (opts.initialMoment !== null) void load(opts.initialMoment);
  }, [load, opts.initialMoment]);

  useEffect(() => {
    let stopped = false;
    const refresh = () =>
      fetchRange(undefined, root).then(
        (r) => !stopped && setRange(r),
        () => undefined,
      );
    void refresh();
    const timer = setInterval(refresh, RANGE_EVERY_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [root]);

  // Playing moves the moment forward by `speed` seconds a second, and back to live at the end.
  const momentRef = useRef(moment);
  momentRef.current = moment;
  useEffect(() => {
    if (playing === null) return;
    const timer = setInterval(() => {
      const at = momentRef.current;
      if (at === null) return;
      const next = at + playing * 1000;
      if (next >= Date.now() - 1000) live();
      else goTo(next);
    }, 1000);
    return () => clearInterval(timer);
  }, [playing, goTo, live]);

  const play = useCallback((speed: Speed) => {
    if (momentRef.current !== null) setPlaying(speed);
  }, []);
  const pause = useCallback(() => setPlaying(null), []);

  // The same object while nothing of it changed: the page renders on every live patch, and the
  // timeline (memoised) need not.
  return useMemo(
    () => ({
      moment,
      view: moment === null ? null : view,
      loading,
      error,
      range,
      playing,
      goTo,
      live,
      play,
      pause,
    }),
    [moment, view, loading, error, range, playing, goTo, live, play, pause],
  );
}

/**
 * Gives the live sparklines the last hour the agent recorded, so they survive a reload; asked
 * again every few minutes (the live samples take over where they start).
 */
export function useRecordedSparklines(history: History, root = ''): void {
  useEffect(() => {
    const ctl = new AbortController();
    const load = () => {
      const now = Date.now();
      fetchSeries(now - SERIES_MS, now, 120, ctl.signal, root).then(
        (s) => historyOf(s, history),
        () => undefined,
      );
    };
    load();
    const timer = setInterval(load, 5 * 60_000);
    return () => {
      ctl.abort();
      clearInterval(timer);
    };
  }, [history, root]);
}
