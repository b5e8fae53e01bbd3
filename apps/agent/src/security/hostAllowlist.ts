import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AgentError, cut } from '../errors.js';

export interface HostAllowlistOptions {
  /**
   * Host names (no port; lower case; IPv6 in brackets) allowed besides localhost, 127.0.0.1 and
   * [::1]; null turns the check off.
   */
  allowed: readonly string[] | null;
  /** How an operator allows another name, for the refusal's message. */
  hint: string;
}

export const LOOPBACK_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The host name of a Host header value (`name`, `name:port`, `[v6]`, `[v6]:port`), lower case,
 * without a trailing dot; null when it is not one.
 */
export function hostName(value: string): string | null {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::\d{1,5})?$/.exec(value.trim().toLowerCase());
  if (!m) return null;
  return (m[1] as string).replace(/(?<=.)\.$/, '');
}

/** The Host name to allow for a listen address (`::1` → `[::1]`); null for a wildcard address. */
export function boundName(address: string): string | null {
  const a = address.toLowerCase();
  if (a === '0.0.0.0' || a === '::' || a === '[::]') return null;
  return a.includes(':') && !a.startsWith('[') ? `[${a}]` : a;
}

/**
 * Refuses, before any route or static file runs, every request and WebSocket upgrade whose Host
 * header names a host this server does not answer to. A page on another site that rebinds its
 * DNS name to 127.0.0.1 still sends its own name as Host: this is what keeps it out.
 */
export default fp(
  async function hostAllowlist(fastify: FastifyInstance, opts: HostAllowlistOptions) {
    if (opts.allowed === null) return;
    const allowed = new Set([...LOOPBACK_NAMES, ...opts.allowed]);
    fastify.addHook('onRequest', async (req) => {
      const header = req.headers.host ?? '';
      const name = hostName(header);
      if (name !== null && allowed.has(name)) return;
      throw new AgentError(
        'HOST_NOT_ALLOWED',
        `Host ${JSON.stringify(cut(header, 64))} is not an allowed name for this server (${opts.hint})`,
      );
    });
  },
  { name: 'pidscope-host-allowlist' },
);
