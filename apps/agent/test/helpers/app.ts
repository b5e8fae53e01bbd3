import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { StreamOptions } from '../../src/plugins/stream.js';

export interface TestAppOptions {
  argv?: string[];
  env?: Record<string, string>;
  stream?: Partial<StreamOptions>;
  /** Called before ready(), e.g. to add a route that throws. */
  before?: (app: FastifyInstance) => void;
}

const open = new Set<FastifyInstance>();
afterEach(async () => {
  const apps = [...open];
  open.clear();
  await Promise.all(apps.map((a) => a.close()));
});

/**
 * Builds the agent (not listening) with a fast scan interval and no web UI; it is closed after
 * the current test.
 */
export async function buildTestApp(opts: TestAppOptions = {}): Promise<FastifyInstance> {
  const config = loadConfig(
    ['--port', '0', '--interval-ms', '250', '--token', 'test-token-123', ...(opts.argv ?? [])],
    { ...opts.env },
  );
  const webRootGiven = (opts.argv ?? []).includes('--web-root');
  const app = await buildApp({
    config: webRootGiven ? config : { ...config, webRoot: null },
    stream: opts.stream,
  });
  open.add(app);
  opts.before?.(app);
  await app.ready();
  return app;
}

/** Polls `check` until it returns a value (not undefined/false) or the deadline passes. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * One app for a whole file of read-only tests (builds are slow on a loaded host): built before
 * the first test, closed after the last.
 */
export function useSharedApp(opts: Omit<TestAppOptions, 'before'> = {}): () => FastifyInstance {
  let app: FastifyInstance | null = null;
  beforeAll(async () => {
    const config = loadConfig(
      ['--port', '0', '--interval-ms', '250', '--token', 'test-token-123', ...(opts.argv ?? [])],
      { ...opts.env },
    );
    app = await buildApp({ config: { ...config, webRoot: null }, stream: opts.stream });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
  });
  return () => {
    if (!app) throw new Error('shared app not built yet');
    return app;
  };
}
