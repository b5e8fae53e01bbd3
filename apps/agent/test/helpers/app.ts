import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { WebSocket } from 'ws';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { StreamOptions } from '../../src/plugins/stream.js';

/** The token of every app built here. */
export const TEST_TOKEN = 'test-token-123';
export const AUTH = { authorization: `Bearer ${TEST_TOKEN}` } as const;

/** app.inject with the test token: every route but /healthz (and an open /metrics) needs it. */
export function inject(app: FastifyInstance, opts: string | InjectOptions) {
  const o: InjectOptions = typeof opts === 'string' ? { url: opts } : opts;
  return app.inject({ ...o, headers: { ...AUTH, ...o.headers } });
}

/** app.injectWS with the test token and a loopback Host (the upgrade has none of its own). */
export function injectWS(
  app: FastifyInstance,
  path: string,
  context: { headers?: Record<string, string> } = {},
  options?: Parameters<FastifyInstance['injectWS']>[2],
): Promise<WebSocket> {
  return app.injectWS(
    path,
    { ...context, headers: { host: 'localhost:80', ...AUTH, ...context.headers } },
    options,
  ) as Promise<WebSocket>;
}

export interface TestAppOptions {
  argv?: string[];
  env?: Record<string, string>;
  stream?: Partial<StreamOptions>;
  /** Called before ready(), e.g. to add a route that throws. */
  before?: (app: FastifyInstance) => void;
}

const open = new Set<FastifyInstance>();
const dataDirs: string[] = [];
afterEach(async () => {
  const apps = [...open];
  open.clear();
  await Promise.all(apps.map((a) => a.close()));
  for (const d of dataDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A test agent's flags: any port, a fast scan, the test token, then `extra`. */
function testArgv(extra: readonly string[]): string[] {
  return ['--port', '0', '--interval-ms', '250', '--token', TEST_TOKEN, ...extra];
}

/**
 * `--data-dir` and `--audit-file` in a fresh directory, unless the test gives its own: the
 * defaults are the host's (/var/lib/pidscope when root) and the working directory's
 * (.pidscope/audit.jsonl), which would outlive the test.
 */
function ownFiles(
  argv: readonly string[],
  env: Readonly<Record<string, string>> = {},
): { args: string[]; dir: string | null } {
  const data = !argv.includes('--data-dir');
  const audit = !argv.includes('--audit-file') && env.PIDSCOPE_AUDIT_FILE === undefined;
  if (!data && !audit) return { args: [], dir: null };
  const dir = mkdtempSync(join(tmpdir(), 'pidscope-data-'));
  return {
    args: [
      ...(data ? ['--data-dir', dir] : []),
      ...(audit ? ['--audit-file', join(dir, 'audit.jsonl')] : []),
    ],
    dir,
  };
}

/**
 * Builds the agent (not listening) with a fast scan interval and no web UI; it is closed after
 * the current test.
 */
export async function buildTestApp(opts: TestAppOptions = {}): Promise<FastifyInstance> {
  const argv = opts.argv ?? [];
  const own = ownFiles(argv, opts.env);
  if (own.dir) dataDirs.push(own.dir);
  const config = loadConfig(testArgv([...own.args, ...argv]), { ...opts.env });
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

type SharedAppOptions = Omit<TestAppOptions, 'before'>;

/**
 * One app for a whole file of read-only tests (builds are slow on a loaded host): built before
 * the first test, closed after the last. Options that make files (a web root) come as a function,
 * called when the app is built: a file whose tests are all filtered out runs no hook, so nothing
 * made while it is collected would be removed.
 */
export function useSharedApp(
  options: SharedAppOptions | (() => SharedAppOptions) = {},
): () => FastifyInstance {
  let app: FastifyInstance | null = null;
  let dir: string | null = null;
  beforeAll(async () => {
    const opts = typeof options === 'function' ? options() : options;
    const own = ownFiles(opts.argv ?? [], opts.env);
    dir = own.dir;
    const config = loadConfig(testArgv([...own.args, ...(opts.argv ?? [])]), { ...opts.env });
    const webRootGiven = (opts.argv ?? []).includes('--web-root');
    app = await buildApp({
      config: webRootGiven ? config : { ...config, webRoot: null },
      stream: opts.stream,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!app) throw new Error('shared app not built yet');
    return app;
  };
}
