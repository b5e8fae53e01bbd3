// The agent's recorded past, over REST ([H1]–[H9] in the protocol's SPEC.md).
import type {
  Event,
  EventsAnswer,
  EventType,
  HistoryRange,
  HistorySeries,
  HistoryState,
  ZombieLeaders,
} from '@pidscope/protocol';
import { ApiError, agentUrl, getJson } from '../../net/api.js';

/** Whether an answer has the shape the caller reads; a wrong one is refused, not half-used. */
type Shape = (body: Record<string, unknown>) => boolean;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `root` is the page's agent API root (`useApiRoot`): a host's recording through a hub. */
async function get<T>(path: string, shape: Shape, signal?: AbortSignal, root = ''): Promise<T> {
  const body = await getJson(agentUrl(root, path), signal);
  if (!isObject(body) || !shape(body)) {
    throw new ApiError(200, `${path.split('?')[0]}: not the answer it should be`);
  }
  return body as T;
}

export function fetchRange(signal?: AbortSignal, root = ''): Promise<HistoryRange> {
  return get('/api/v1/history', (b) => isObject(b.recording), signal, root);
}

export function fetchStateAt(at: number, signal?: AbortSignal, root = ''): Promise<HistoryState> {
  return get(
    `/api/v1/history/state?at=${Math.round(at)}`,
    (b) => isObject(b.state) && Array.isArray(b.state.processes),
    signal,
    root,
  );
}

export async function fetchEventsBetween(
  q: { since?: number; until?: number; types?: readonly EventType[]; limit?: number },
  signal?: AbortSignal,
  root = '',
): Promise<Event[]> {
  const params = new URLSearchParams();
  if (q.since !== undefined) params.set('since', String(Math.max(0, Math.round(q.since))));
  if (q.until !== undefined) params.set('until', String(Math.round(q.until)));
  if (q.types) params.set('type', q.types.join(','));
  if (q.limit !== undefined) params.set('limit', String(q.limit));
  const body = await get<EventsAnswer>(
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
  return get(
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
  return get(
    `/api/v1/zombies/leaders?window=${window}`,
    (b) => Array.isArray(b.leaders),
    signal,
    root,
  );
}
