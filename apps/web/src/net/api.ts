import type {
  DemoList,
  DemoRun,
  DemoStopped,
  ErrorBody,
  ErrorCode,
  Event,
  EventsAnswer,
  EventType,
  FleetContainersResponse,
  FleetZombiesResponse,
  HistoryRange,
  HistorySeries,
  HistoryState,
  ProcessDetails,
  ReapAnswer,
  ReapRequest,
  SignalAnswer,
  SignalRequest,
  ThreadsAnswer,
  ZombieLeaders,
} from '@pidscope/protocol';

/**
 * The page's one HTTP client for the agent's API (packages/protocol/src/api.ts has the shapes).
 * The session cookie authenticates: fetch sends it to the same origin, and the browser adds the
 * Origin the agent asks of a write.
 */

/** A request the agent refused (its ErrorBody's status, code and message), or never got (status 0). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode | null,
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

async function request<T>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  /** The page's agent API root (`useApiRoot`); '' when the agent serves the page. */
  root = '',
  signal?: AbortSignal,
  body?: unknown,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(agentUrl(root, path), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: signal ?? null,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, null, err instanceof Error ? err.message : String(err));
  }
  const json: unknown = await res.json().catch(() => null);
  // Aborted while its body came in: the read failed, and it is no answer of nothing (null).
  if (signal?.aborted) throw signal.reason ?? new DOMException('aborted', 'AbortError');
  if (res.ok) return json as T;
  const e = (json ?? {}) as Partial<ErrorBody>;
  throw new ApiError(
    res.status,
    typeof e.code === 'string' ? e.code : null,
    typeof e.message === 'string' ? e.message : `${res.status} ${res.statusText}`,
  );
}

const dryRunQuery = (dryRun: boolean) => (dryRun ? '?dryRun=1' : '');

// Every call takes the page's agent API root last (`useApiRoot`; '' when the agent serves the page).

export function fetchProcess(
  pid: number,
  signal?: AbortSignal,
  root = '',
): Promise<ProcessDetails> {
  return request('GET', `/api/v1/processes/${pid}`, root, signal);
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A read whose answer has the shape the caller reads (history's [H1]–[H9], the fleet's [F6] and
 * [F7] in the protocol's SPEC.md); a wrong one is refused, not half-drawn.
 */
async function checked<T>(
  path: string,
  shape: (b: Json) => boolean,
  signal: AbortSignal | undefined,
  root: string,
): Promise<T> {
  const body = await request<unknown>('GET', path, root, signal);
  if (!isObject(body) || !shape(body)) {
    throw new ApiError(200, null, `${path.split('?')[0]}: not the answer it should be`);
  }
  return body as T;
}

export function fetchRange(signal?: AbortSignal, root = ''): Promise<HistoryRange> {
  return checked('/api/v1/history', (b) => isObject(b.recording), signal, root);
}

export function fetchStateAt(at: number, signal?: AbortSignal, root = ''): Promise<HistoryState> {
  return checked(
    `/api/v1/history/state?at=${Math.round(at)}`,
    (b) => isObject(b.state) && Array.isArray(b.state.processes),
    signal,
    root,
  );
}

/** Events, newest last, filtered as the agent's [H5] query allows. */
export async function fetchEvents(
  q: { since?: number; until?: number; types?: readonly EventType[]; limit?: number },
  signal?: AbortSignal,
  root = '',
): Promise<Event[]> {
  const params = new URLSearchParams();
  if (q.since !== undefined) params.set('since', String(Math.max(0, Math.round(q.since))));
  if (q.until !== undefined) params.set('until', String(Math.round(q.until)));
  if (q.types) params.set('type', q.types.join(','));
  if (q.limit !== undefined) params.set('limit', String(q.limit));
  const body = await checked<EventsAnswer>(
    `/api/v1/events?${params}`,
    (b) => Array.isArray(b.events),
    signal,
    root,
  );
  return body.events;
}

export function fetchSeries(
  from: number,
  to: number,
  points: number,
  signal?: AbortSignal,
  root = '',
): Promise<HistorySeries> {
  const q = `from=${Math.round(from)}&to=${Math.round(to)}&points=${points}`;
  return checked(
    `/api/v1/history/series?${q}`,
    (b) => isObject(b.host) && Array.isArray(b.host.tasks) && Array.isArray(b.containers),
    signal,
    root,
  );
}

export function fetchLeaders(
  window: '1h' | '24h',
  signal?: AbortSignal,
  root = '',
): Promise<ZombieLeaders> {
  return checked(
    `/api/v1/zombies/leaders?window=${window}`,
    (b) => Array.isArray(b.leaders),
    signal,
    root,
  );
}

/** A hub's fleet-wide zombies ([F6]); the hub serves the page, so no root. */
export function fetchFleetZombies(): Promise<FleetZombiesResponse> {
  return checked('/api/v1/fleet/zombies', (b) => Array.isArray(b.zombies), undefined, '');
}

/** A hub's fleet-wide containers, least headroom first ([F7]). */
export function fetchFleetContainers(): Promise<FleetContainersResponse> {
  return checked(
    '/api/v1/fleet/containers?sort=headroom',
    (b) => Array.isArray(b.containers),
    undefined,
    '',
  );
}

export function fetchDemos(root = ''): Promise<DemoList> {
  return request('GET', '/api/v1/demos', root);
}

export function startDemo(name: string, root = ''): Promise<DemoRun> {
  return request('POST', `/api/v1/demos/${encodeURIComponent(name)}`, root);
}

export function stopDemo(id: string, root = ''): Promise<DemoStopped> {
  return request('DELETE', `/api/v1/demos/${encodeURIComponent(id)}`, root);
}

/** Sends a signal, or (dryRun) asks what it would do. */
export function signalProcess(
  pid: number,
  body: SignalRequest,
  dryRun: boolean,
  root = '',
): Promise<SignalAnswer> {
  const path = `/api/v1/processes/${pid}/signal${dryRunQuery(dryRun)}`;
  return request('POST', path, root, undefined, body);
}

/** Reaps a zombie through its parent or its container, or (dryRun) asks how it would. */
export function reapZombie(
  pid: number,
  body: ReapRequest,
  dryRun: boolean,
  root = '',
): Promise<ReapAnswer> {
  const path = `/api/v1/processes/${pid}/reap${dryRunQuery(dryRun)}`;
  return request('POST', path, root, undefined, body);
}

const PLAIN: Record<number, string> = {
  401: 'The agent does not know this page’s session (401): open pidscope from the URL the agent printed.',
  403: 'Refused (403).',
  404: 'That process is gone (404).',
  409: 'The process changed (409): the PID now belongs to another process.',
  503: 'The agent cannot do this right now (503).',
};

/** A failed request in a sentence for the page: what the status means, then the agent's words. */
export function explain(err: unknown): string {
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : String(err);
  if (err.status === 0) return `Cannot reach the agent: ${err.message}`;
  const prefix = PLAIN[err.status] ?? `The agent answered ${err.status}.`;
  return `${prefix} ${err.message}`;
}

/** GET /api/v1/processes/:pid/threads?startTime= — the threads of one process ([S8]). */
export function fetchThreads(
  pid: number,
  startTime: number,
  signal?: AbortSignal,
  root = '',
): Promise<ThreadsAnswer> {
  return request('GET', `/api/v1/processes/${pid}/threads?startTime=${startTime}`, root, signal);
}
