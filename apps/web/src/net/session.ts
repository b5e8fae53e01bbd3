import type { SiblingOrder } from '../model/layout.js';
import { defaultFilters, type Filters } from '../model/search.js';

/**
 * The view lives in the page URL (the selection `?pid=&start=`, the focus, the filters), so a
 * copied link shows the same view.
 */

export interface Selection {
  pid: number;
  startTime: number;
}

export function readSelection(href: string): Selection | null {
  const url = new URL(href);
  const pid = Number(url.searchParams.get('pid'));
  const start = Number(url.searchParams.get('start'));
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(start) || start < 0) return null;
  if (!url.searchParams.has('start')) return null;
  return { pid, startTime: start };
}

/** The same URL with `?pid=&start=` set to the selection (or removed). */
export function withSelection(href: string, sel: Selection | null): string {
  const url = new URL(href);
  if (sel) {
    url.searchParams.set('pid', String(sel.pid));
    url.searchParams.set('start', String(sel.startTime));
  } else {
    url.searchParams.delete('pid');
    url.searchParams.delete('start');
  }
  return url.toString();
}

/** The focused subtree's root (`?focus=pid:start`), as a process key; null when none. */
export function readFocus(href: string): string | null {
  const focus = new URL(href).searchParams.get('focus');
  return focus !== null && /^[1-9]\d*:\d+$/.test(focus) ? focus : null;
}

/** The same URL with `?focus=` set to the focused process's key (or removed). */
export function withFocus(href: string, key: string | null): string {
  const url = new URL(href);
  if (key) url.searchParams.set('focus', key);
  else url.searchParams.delete('focus');
  return url.toString();
}

/** The toolbar's filters as the page URL carries them: only what differs from the defaults. */
const FILTER_PARAMS = {
  zombies: 'zombiesOnly',
  busiest: 'busiest',
  kthreads: 'showKernelThreads',
  cfirst: 'containersFirst',
} as const satisfies Record<string, keyof Filters>;
const ORDERS: readonly SiblingOrder[] = ['start', 'cpu', 'memory', 'pid', 'name'];

export function readFilters(href: string): Filters {
  const q = new URL(href).searchParams;
  const f: Filters = { ...defaultFilters };
  for (const [param, key] of Object.entries(FILTER_PARAMS)) f[key] = q.get(param) === '1';
  f.container = q.get('container') ?? '';
  const order = q.get('order') as SiblingOrder | null;
  if (order && ORDERS.includes(order)) f.order = order;
  return f;
}

export function withFilters(href: string, f: Filters): string {
  const url = new URL(href);
  const q = url.searchParams;
  for (const [param, key] of Object.entries(FILTER_PARAMS)) {
    if (f[key]) q.set(param, '1');
    else q.delete(param);
  }
  if (f.container) q.set('container', f.container);
  else q.delete('container');
  if (f.order !== 'start') q.set('order', f.order);
  else q.delete('order');
  return url.toString();
}
