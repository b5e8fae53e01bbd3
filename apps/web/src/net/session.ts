/** The agent's token and the shared selection live in the URL; the token moves to sessionStorage. */

export const TOKEN_KEY = 'pidscope.token';

interface UrlHost {
  location: { href: string };
  history: { replaceState(data: unknown, unused: string, url?: string | URL | null): void };
  sessionStorage: Pick<Storage, 'getItem' | 'setItem'>;
}

/**
 * Reads `?token=` once, keeps it in sessionStorage and removes it from the address bar (so it is
 * not shared with a copied link), then answers the session's token.
 */
export function takeToken(w: UrlHost): string | null {
  const url = new URL(w.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    w.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    w.history.replaceState(null, '', url.toString());
  }
  return w.sessionStorage.getItem(TOKEN_KEY);
}

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
