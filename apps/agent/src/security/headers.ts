import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface HeadersOptions {
  /** Served over TLS: browsers are told to keep to HTTPS (Strict-Transport-Security). */
  tls: boolean;
}

/**
 * What a dashboard that can kill processes must tell the browser on every response: only its own
 * scripts run (no inline script, no eval), it talks only to its own origin, no other site may
 * frame it (the kill button cannot be clickjacked), and no URL leaks through a Referer.
 * Registered first, so even a refusal (403, 401, 429) carries them.
 */
export default fp(
  async function headers(fastify: FastifyInstance, opts: HeadersOptions) {
    await fastify.register(helmet, {
      global: true,
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          // The stream is a WebSocket to this origin; 'self' covers ws: and wss: to it.
          connectSrc: ["'self'"],
          // The tree is laid out in a Web Worker loaded from this origin.
          workerSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      crossOriginOpenerPolicy: { policy: 'same-origin' },
      crossOriginResourcePolicy: { policy: 'same-origin' },
      strictTransportSecurity: opts.tls ? { maxAge: 31_536_000 } : false,
    });
  },
  { name: 'pidscope-headers' },
);
