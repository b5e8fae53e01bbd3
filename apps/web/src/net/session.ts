/** The shared selection lives in the URL (`?pid=&start=`), so a copied link shows the same process. */

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
