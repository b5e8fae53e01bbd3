import type { Event } from '@pidscope/protocol';

/**
 * Events that say the same thing again: the same type about the same container, and for process
 * events the same command there. A container at its pids limit says "pids limit" every second,
 * a fork storm makes hundreds of "exited sleep": each becomes one line with a count.
 */
export function groupKey(e: Event): string {
  const where = e.containerId ?? 'host';
  if (
    e.type === 'pids-limit-hit' ||
    e.type === 'container-started' ||
    e.type === 'container-stopped'
  ) {
    return `${e.type}|${where}`;
  }
  return `${e.type}|${where}|${e.comm ?? ''}`;
}

/** One line of the timeline: an event, or repeated events (newest first) folded into one. */
export type Line =
  | { kind: 'event'; event: Event; member: boolean }
  | { kind: 'group'; key: string; events: readonly Event[]; open: boolean };

/**
 * The timeline's lines for events listed newest first: each group sits where its newest event
 * is, and an open group is followed by its events. A "group" of one is a plain line.
 */
export function timelineLines(events: readonly Event[], open: ReadonlySet<string>): Line[] {
  const groups = new Map<string, Event[]>();
  const order: string[] = [];
  for (const e of events) {
    const key = groupKey(e);
    const g = groups.get(key);
    if (g) g.push(e);
    else {
      groups.set(key, [e]);
      order.push(key);
    }
  }
  const lines: Line[] = [];
  for (const key of order) {
    const g = groups.get(key) as Event[];
    if (g.length === 1) {
      lines.push({ kind: 'event', event: g[0] as Event, member: false });
      continue;
    }
    const isOpen = open.has(key);
    lines.push({ kind: 'group', key, events: g, open: isOpen });
    if (isOpen) for (const e of g) lines.push({ kind: 'event', event: e, member: true });
  }
  return lines;
}
