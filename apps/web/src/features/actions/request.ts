import { agentUrl } from '../../net/api.js';

/** The answer of an action endpoint: the status and the JSON body (or an error message). */
export interface ActionResponse<T> {
  ok: boolean;
  status: number;
  body: T | null;
  /** The agent's message for a refusal, or what went wrong on the way. */
  error: string | null;
  code: string | null;
}

const PLAIN: Record<number, string> = {
  401: 'The agent does not know this page’s session (401): open pidscope from the URL the agent printed.',
  403: 'Refused (403).',
  404: 'That process is gone (404).',
  409: 'The process changed (409): the PID now belongs to another process.',
  503: 'The agent cannot do this right now (503).',
};

/** fetch() for the action API: JSON in, JSON out, refusals turned into plain sentences. */
export async function callAction<T>(
  apiBase: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<ActionResponse<T>> {
  // The session cookie authenticates; fetch sends it, and the browser adds the Origin the agent
  // asks of a write.
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(agentUrl(apiBase, path), {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      status: 0,
      body: null,
      error: `Cannot reach the agent: ${why}`,
      code: null,
    };
  }
  let json: unknown = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  if (res.ok) return { ok: true, status: res.status, body: json as T, error: null, code: null };
  const b = (json ?? {}) as { message?: unknown; code?: unknown };
  const message = typeof b.message === 'string' ? b.message : null;
  const prefix = PLAIN[res.status] ?? `The agent answered ${res.status}.`;
  return {
    ok: false,
    status: res.status,
    body: json as T,
    error: message ? `${prefix} ${message}` : prefix,
    code: typeof b.code === 'string' ? b.code : null,
  };
}
