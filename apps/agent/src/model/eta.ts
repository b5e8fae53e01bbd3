// When will the PIDs run out? A robust line through the recent trend of tasks (host) or
// pids.current (a container): Theil–Sen (the median of pairwise slopes) over a sliding window,
// trusted only when the series rises consistently (Kendall's tau) over the window and still rises
// in its most recent part, so noise, a single burst or a leak that stopped give no estimate.

export interface TrendOptions {
  /** The sliding window the line is fitted over. */
  windowMs: number;
  /** No estimate before the window holds this much. */
  minSpanMs: number;
  /** The newest stretch that must still rise. */
  recentMs: number;
  /** How consistently the series must rise: Kendall's tau over the window, 0 to 1. */
  minTau: number;
  /** Points kept for the fit (evenly spread over the window), bounding its cost. */
  maxPoints: number;
  /**
   * The closest two kept points may be: a newer one within it replaces the newest instead of
   * adding one, so a burst of updates (events may commit tens of times a second) keeps the
   * window at most windowMs / resolutionMs points long.
   */
  resolutionMs: number;
}

export const TREND_DEFAULTS: TrendOptions = {
  windowMs: 15 * 60_000,
  minSpanMs: 30_000,
  recentMs: 60_000,
  minTau: 0.5,
  maxPoints: 60,
  resolutionMs: 500,
};

export interface Point {
  at: number;
  value: number;
}

interface Fit {
  /** Units per ms. */
  slope: number;
  intercept: number;
  /** (concordant − discordant) / pairs. */
  tau: number;
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2
    ? (values[mid] as number)
    : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
}

/** Theil–Sen line and Kendall's tau of `points` (at least two, times distinct). */
export function theilSen(points: readonly Point[]): Fit {
  const slopes: number[] = [];
  let concordant = 0;
  let discordant = 0;
  for (let i = 0; i < points.length; i++) {
    const a = points[i] as Point;
    for (let j = i + 1; j < points.length; j++) {
      const b = points[j] as Point;
      const dt = b.at - a.at;
      if (dt === 0) continue;
      const dv = b.value - a.value;
      slopes.push(dv / dt);
      if (dv > 0) concordant++;
      else if (dv < 0) discordant++;
    }
  }
  if (slopes.length === 0) return { slope: 0, intercept: points[0]?.value ?? 0, tau: 0 };
  const slope = median(slopes);
  const intercept = median(points.map((p) => p.value - slope * p.at));
  return { slope, intercept, tau: (concordant - discordant) / slopes.length };
}

/** Evenly spread `n` of `points` (the first and last always among them). */
function thin(points: readonly Point[], n: number): Point[] {
  if (points.length <= n) return [...points];
  const out: Point[] = [];
  for (let i = 0; i < n; i++)
    out.push(points[Math.round((i * (points.length - 1)) / (n - 1))] as Point);
  return out;
}

/** Two significant digits: an estimate is not more precise than that, and it changes less often. */
export function roughly(seconds: number): number {
  if (seconds < 10) return Math.round(seconds);
  const magnitude = 10 ** (Math.floor(Math.log10(seconds)) - 1);
  return Math.round(seconds / magnitude) * magnitude;
}

/**
 * Seconds until the series reaches `limit` at its current trend, or null when there is no rising
 * trend (too little data, flat, falling, noisy, or no longer rising lately).
 */
export function etaSeconds(
  points: readonly Point[],
  limit: number,
  now: number,
  opts: TrendOptions = TREND_DEFAULTS,
): number | null {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last || last.at - first.at < opts.minSpanMs) return null;
  const fit = theilSen(thin(points, opts.maxPoints));
  if (fit.slope <= 0 || fit.tau < opts.minTau) return null;
  const recentFrom = last.at - Math.min(opts.recentMs, (last.at - first.at) / 2);
  const recent = points.filter((p) => p.at >= recentFrom);
  const lately = theilSen(thin(recent, opts.maxPoints));
  if (recent.length < 3 || lately.slope <= 0 || lately.tau <= 0) return null;
  const fitted = fit.intercept + fit.slope * now;
  const remaining = limit - Math.max(fitted, last.value);
  if (remaining <= 0) return 0;
  return roughly(remaining / fit.slope / 1000);
}

/** A sliding window of points per scope (the host, each container). */
export class Trends {
  readonly #series = new Map<string, Point[]>();
  /**
   * The last estimate of each scope, and when it was fitted. A fit is two Theil–Sen lines over up
   * to maxPoints points; under a fork storm the model commits a dozen times a second, and fitting
   * on every commit was a tenth of the main thread's CPU. An estimate answers for resolutionMs,
   * the series' own resolution, unless the limit changed or the series reached it.
   */
  readonly #estimates = new Map<string, { at: number; limit: number; eta: number | null }>();
  constructor(readonly opts: TrendOptions = TREND_DEFAULTS) {}

  /** Adds a point and answers the estimate for that scope. */
  push(scope: string, at: number, value: number, limit: number | null): number | null {
    let s = this.#series.get(scope);
    if (!s) {
      s = [];
      this.#series.set(scope, s);
    }
    const last = s[s.length - 1];
    if (!last || at > last.at) {
      const before = s[s.length - 2];
      if (before && at - before.at < this.opts.resolutionMs) s[s.length - 1] = { at, value };
      else s.push({ at, value });
    }
    const cutoff = at - this.opts.windowMs;
    let drop = 0;
    while (drop < s.length && (s[drop] as Point).at < cutoff) drop++;
    if (drop > 0) s.splice(0, drop);
    if (limit === null) return null;
    const known = this.#estimates.get(scope);
    if (
      known !== undefined &&
      known.limit === limit &&
      at - known.at < this.opts.resolutionMs &&
      value < limit
    ) {
      return known.eta;
    }
    const eta = etaSeconds(s, limit, at, this.opts);
    this.#estimates.set(scope, { at, limit, eta });
    return eta;
  }

  /** Forgets the scopes not in `keep` (containers that went away). */
  retain(keep: ReadonlySet<string>): void {
    for (const scope of this.#series.keys()) if (!keep.has(scope)) this.#series.delete(scope);
    for (const scope of this.#estimates.keys()) if (!keep.has(scope)) this.#estimates.delete(scope);
  }
}
