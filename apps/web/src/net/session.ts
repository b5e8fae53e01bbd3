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
