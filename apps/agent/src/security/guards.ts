import type { FastifyInstance } from 'fastify';
import headers from './headers.js';
import hostAllowlist, { boundName } from './hostAllowlist.js';
import session, { type SessionOptions } from './session.js';

export interface GuardsOptions {
  /** Served over TLS: HSTS, and the session cookie gets `Secure`. */
  tls: boolean;
  /** The listen address: its own name is allowed as a Host besides the loopback names. */
  host: string;
  /** More allowed Host names (PIDSCOPE_ALLOWED_HOSTS); null turns the check off. */
  allowedHosts: readonly string[] | null;
  /** How an operator allows another Host name, for the refusal's message. */
  hint: string;
  session: Omit<SessionOptions, 'secure'>;
}

/**
 * A pidscope server's guards, in their order (the agent's and the hub's alike): first the headers
 * every response carries, refusals included; then nothing (no route, no static file, no upgrade)
 * runs for a foreign Host or a stranger.
 */
export async function registerGuards(fastify: FastifyInstance, opts: GuardsOptions): Promise<void> {
  await fastify.register(headers, { tls: opts.tls });
  const bound = boundName(opts.host);
  await fastify.register(hostAllowlist, {
    allowed: opts.allowedHosts && [...(bound ? [bound] : []), ...opts.allowedHosts],
    hint: opts.hint,
  });
  await fastify.register(session, { ...opts.session, secure: opts.tls });
}
