// A moment of the past: in the URL, on the timeline, in words. Pure.

/** `?at=<ms>`: the moment a link shows; null (live) when absent or not a time. */
export function readMoment(href: string): number | null {
  const raw = new URL(href).searchParams.get('at');
  if (raw === null || !/^\d{1,15}$/.test(raw)) return null;
  return Number(raw);
}

/** The same URL with `?at=` set to the moment, or removed for live. */
export function withMoment(href: string, at: number | null): string {
  const url = new URL(href);
  if (at === null) url.searchParams.delete('at');
  else url.searchParams.set('at', String(Math.round(at)));
  return url.toString();
}

const pad = (n: number) => String(n).padStart(2, '0');

/** 03:12:07, in the browser's time zone. */
export function clock(at: number): string {
  const d = new Date(at);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "Mon 03:12:07" when not today, else the clock alone. */
export function when(at: number, now: number): string {
  const d = new Date(at);
  const today = new Date(now).toDateString() === d.toDateString();
  return today
    ? clock(at)
    : `${d.toLocaleDateString(undefined, { weekday: 'short' })} ${clock(at)}`;
}

/** The spans the timeline zooms between, shortest first. */
export const ZOOMS = [
  { label: '15m', ms: 15 * 60_000 },
  { label: '1h', ms: 3_600_000 },
  { label: '6h', ms: 6 * 3_600_000 },
  { label: '24h', ms: 24 * 3_600_000 },
] as const;

/**
 * The window the timeline shows: `span` long, ending at `end` (now), but never starting before
 * the recording does (then it shows from there on).
 */
export function timelineWindow(
  range: { from: number | null },
  end: number,
  span: number,
): { from: number; to: number } {
  const from = Math.max(end - span, range.from ?? end - span);
  return { from: Math.min(from, end - 1000), to: end };
}

/** Where a moment is on a track of `width` px, and back. */
export function xOf(at: number, w: { from: number; to: number }, width: number): number {
  return ((at - w.from) / (w.to - w.from)) * width;
}

export function atOf(x: number, w: { from: number; to: number }, width: number): number {
  const clamped = Math.max(0, Math.min(width, x));
  return w.from + (clamped / width) * (w.to - w.from);
}
