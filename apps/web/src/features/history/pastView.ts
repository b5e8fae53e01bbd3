// A moment of the past as the page's view: the same shape the live store hands the page, built
// from what the agent recorded. Pure.
import type { Event, Hello, HistorySeries, HistoryState } from '@pidscope/protocol';
import { processKey } from '@pidscope/protocol';
import { History, type Sample } from '../../model/headroom.js';
import type { StoreView } from '../../model/store.js';

/** Samples of one bucketed series: a sample mid-bucket where it has a value. */
function samplesOf(s: HistorySeries, values: readonly (number | null)[]): Sample[] {
  const out: Sample[] = [];
  values.forEach((value, i) => {
    if (value !== null) out.push({ at: s.from + (i + 0.5) * s.step, value });
  });
  return out;
}

/** The recorded series as a sparkline history, under the names the live store uses. */
export function historyOf(series: HistorySeries | null, into = new History()): History {
  if (!series) return into;
  into.seed('host:tasks', samplesOf(series, series.host.tasks));
  into.seed('host:zombies', samplesOf(series, series.host.zombies));
  for (const c of series.containers) {
    into.seed(`ctr:${c.id}:pids`, samplesOf(series, c.pidsCurrent));
    into.seed(`ctr:${c.id}:forkFailures`, samplesOf(series, c.forkFailures));
  }
  return into;
}

let version = 1_000_000_000;

export function pastView(input: {
  hello: Hello | null;
  recorded: HistoryState;
  /** Events up to the moment, oldest first. */
  events: readonly Event[];
  series: HistorySeries | null;
}): StoreView {
  const { recorded } = input;
  const reparented = new Map<string, number>();
  for (const e of input.events) if (e.type === 'reparented') reparented.set(processKey(e), e.at);
  return {
    version: version++,
    hello: input.hello,
    state: recorded.state,
    events: input.events,
    reparented,
    history: historyOf(input.series),
    now: recorded.at,
    updatedAt: recorded.recordedAt,
  };
}
