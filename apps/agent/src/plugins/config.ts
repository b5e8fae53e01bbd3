import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The agent's settings, validated at boot (token, readOnly, procRoot, intervalMs, …). */
    config: Config;
  }
}

export default fp(
  async function configPlugin(fastify: FastifyInstance, opts: { config: Config }) {
    fastify.decorate('config', opts.config);
  },
  { name: 'pidscope-config' },
);
