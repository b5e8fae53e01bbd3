/** Which host of the fleet the page shows lives in the URL (`?host=<id>`), beside the selection. */

export function readHost(href: string): string | null {
  const id = new URL(href).searchParams.get('host');
  // [F1] ids are letters, digits, dots and hyphens.
  return id && /^[a-z0-9.-]{1,300}$/.test(id) ? id : null;
}

/**
 * The URL of a host's tree (or of the overview, for null), optionally with a selection. It opens
 * live: a recorded moment (`?at=`) belongs to the host it was picked on.
 */
export function withHost(
  href: string,
  id: string | null,
  selection: { pid: number; startTime: number } | null = null,
): string {
  const url = new URL(href);
  url.searchParams.delete('pid');
  url.searchParams.delete('start');
  url.searchParams.delete('at');
  if (id) url.searchParams.set('host', id);
  else url.searchParams.delete('host');
  if (id && selection) {
    url.searchParams.set('pid', String(selection.pid));
    url.searchParams.set('start', String(selection.startTime));
  }
  return url.toString();
}

/** Where one host's agent API answers through the hub. */
export function hostApiRoot(id: string): string {
  return `/api/v1/hosts/${encodeURIComponent(id)}`;
}
