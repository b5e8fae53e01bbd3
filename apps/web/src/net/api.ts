import type { Event, Process, ThreadsAnswer, ZombieAnalysis } from '@pidscope/protocol';

/** GET /api/v1/processes/:pid — one process, its children and, for a zombie, its analysis. */
export interface ProcessDetails {
  process: Process;
  children: Process[];
  analysis: ZombieAnalysis | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An agent path (`/api/v1/…`) under the page's API root: '' when the agent serves the page, and
 * `/api/v1/hosts/<id>` for a host seen through a hub, which answers every agent route there.
 */
export function agentUrl(root: string, path: string): string {
  return root && path.startsWith('/api/v1/') ? `${root}${path.slice('/api/v1'.length)}` : path;
}

/** GET with the page's session cookie (same origin: fetch sends it). */
export async function getJson(path: string, signal?: AbortSignal): Promise<unknown> {
  const res = await fetch(path, { signal: signal ?? null });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { message?: unknown };
      if (typeof body.message === 'string') message = body.message;
    } catch {
      // not JSON
    }
    throw new ApiError(res.status, message);
  }
  return res.json();
}

/** The agent answers `{ process, parent, children, container, zombie }`; `analysis` is accepted too. */
export function normalizeDetails(body: unknown): ProcessDetails {
  const b = body as Record<string, unknown>;
  const process = (b.process ?? b) as Process;
  const children = (Array.isArray(b.children) ? b.children : []) as Process[];
  const analysis = (b.zombie ?? b.analysis ?? null) as ZombieAnalysis | null;
  return { process, children, analysis };
}

export async function fetchProcess(
  pid: number,
  signal?: AbortSignal,
  root = '',
): Promise<ProcessDetails> {
  return normalizeDetails(await getJson(agentUrl(root, `/api/v1/processes/${pid}`), signal));
}

export async function fetchEvents(since: number, root = ''): Promise<Event[]> {
  const body = (await getJson(agentUrl(root, `/api/v1/events?since=${since}`))) as unknown;
  if (Array.isArray(body)) return body as Event[];
  const events = (body as { events?: unknown }).events;
  return Array.isArray(events) ? (events as Event[]) : [];
}

/** GET /api/v1/processes/:pid/threads?startTime= — the threads of one process ([S7]). */
export async function fetchThreads(
  pid: number,
  startTime: number,
  signal?: AbortSignal,
): Promise<ThreadsAnswer> {
  return (await getJson(
    `/api/v1/processes/${pid}/threads?startTime=${startTime}`,
    signal,
  )) as ThreadsAnswer;
}
