import type { Container, Host } from '@pidscope/protocol';

export type Level = 'ok' | 'amber' | 'red';

/** Share of a limit in use at which headroom turns amber, then red. */
export const AMBER_AT = 0.75;
export const RED_AT = 0.9;

export function levelOf(used: number, limit: number | null): Level {
  if (limit === null || limit <= 0) return 'ok';
  const share = used / limit;
  if (share >= RED_AT) return 'red';
  if (share >= AMBER_AT) return 'amber';
  return 'ok';
}

function worst(a: Level, b: Level): Level {
  const rank = { ok: 0, amber: 1, red: 2 } as const;
  return rank[a] >= rank[b] ? a : b;
}

/** The host's usable task limit: PIDs below 300 are reserved after wrap-around. */
export function hostLimit(host: Host): number {
  return Math.min(Math.max(host.pidMax - 300, 0), host.threadsMax);
}

export function hostLevel(host: Host): Level {
  if (host.headroom <= 0) return 'red';
  return levelOf(host.tasks, hostLimit(host));
}

/**
 * A container's level: by pids.current against its effective pids.max, and red while forks are
 * failing (fork failures rose within the recent history window).
 */
export function containerLevel(c: Container, forkFailuresRising: boolean): Level {
  let level = levelOf(c.pidsCurrent ?? 0, c.pidsMax);
  if (c.forkFailures > 0) level = worst(level, 'amber');
  if (forkFailuresRising) level = 'red';
  return level;
}

/** "full in ~7 min": the time-to-full of a headroom card, or null without a trend. */
export function fullIn(seconds: number | null): string | null {
  if (seconds === null) return null;
  if (seconds <= 0) return 'full now';
  if (seconds < 90) return `full in ~${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `full in ~${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `full in ~${Math.round(seconds / 3600)} h`;
  return `full in ~${Math.round(seconds / 86_400)} days`;
}

export interface Sample {
  at: number;
  value: number;
}

/**
 * Client-side history for the sparklines: a bounded series per metric, seen live, after what the
 * agent recorded before (`seed`), so a reloaded page still shows the last hour.
 */
export class History {
  readonly series = new Map<string, Sample[]>();
  readonly #earlier = new Map<string, readonly Sample[]>();
  readonly #joined = new Map<
    string,
    { first: Sample | undefined; last: Sample | undefined; all: Sample[] }
  >();
  constructor(
    readonly windowMs = 5 * 60_000,
    readonly maxSamples = 600,
  ) {}

  push(name: string, at: number, value: number): void {
    let s = this.series.get(name);
    if (!s) {
      s = [];
      this.series.set(name, s);
    }
    const last = s[s.length - 1];
    if (last && at - last.at < 500) {
      last.value = value;
      return;
    }
    s.push({ at, value });
    const cutoff = at - this.windowMs;
    let drop = 0;
    while (drop < s.length && (s[drop] as Sample).at < cutoff) drop += 1;
    if (s.length - drop > this.maxSamples) drop = s.length - this.maxSamples;
    if (drop > 0) s.splice(0, drop);
  }

  /** Recorded samples of `name`, shown before the first live one. */
  seed(name: string, samples: readonly Sample[]): void {
    this.#earlier.set(name, samples);
    this.#joined.delete(name);
  }

  get(name: string): readonly Sample[] {
    const live = this.series.get(name) ?? [];
    const earlier = this.#earlier.get(name);
    if (!earlier?.length) return live;
    // The same array while nothing changed, so a chart keyed on it is not redrawn. The live
    // series changes in place (samples in at its end, out at its start): its ends tell.
    const first = live[0];
    const last = live[live.length - 1];
    const cached = this.#joined.get(name);
    if (cached && cached.first === first && cached.last === last) {
      return cached.all;
    }
    const start = first?.at ?? Number.POSITIVE_INFINITY;
    const all = [...earlier.filter((s) => s.at < start), ...live];
    this.#joined.set(name, { first, last, all });
    return all;
  }

  /** Whether the series rose within the last `ms` before `now`. */
  roseWithin(name: string, now: number, ms: number): boolean {
    const s = this.get(name);
    let before: number | undefined;
    for (const x of s) {
      if (x.at < now - ms) before = x.value;
      else if (before === undefined) before = x.value;
      else if (x.value > before) return true;
      else before = x.value;
    }
    return false;
  }

  forget(prefix: string): void {
    for (const k of this.series.keys()) if (k.startsWith(prefix)) this.series.delete(k);
  }
}
