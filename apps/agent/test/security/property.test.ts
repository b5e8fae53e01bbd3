// Random paths, headers and bodies thrown at every route of a real agent: never a 5xx, never a
// stack trace, never process data without credentials. Bounded: a few hundred requests a property.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TEST_TOKEN, useSharedApp } from '../helpers/app.js';
import { tempDir } from '../helpers/tempDir.js';

function webRoot(): string {
  const dir = tempDir('pidscope-prop-web-');
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>pidscope</title>');
  return dir;
}

const ROUTES = [
  '/',
  '/index.html',
  '/healthz',
  '/metrics',
  '/api/v1/snapshot',
  '/api/v1/processes/1',
  '/api/v1/processes/1/signal',
  '/api/v1/processes/1/reap',
  '/api/v1/containers',
  '/api/v1/events',
  '/api/v1/stream',
  '/api/v1/demos',
  '/api/v1/demos/host-zombie',
  '/api/v1/audit',
];

const segment = fc.oneof(
  fc.constantFrom(
    'api',
    'v1',
    'processes',
    'snapshot',
    '..',
    '.',
    '',
    '%00',
    '%ff',
    '%2e%2e',
    '1',
    '-1',
    '4194305',
    '__proto__',
  ),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  fc.constant('x'.repeat(3000)),
);
const path = fc.oneof(
  fc.constantFrom(...ROUTES),
  fc
    .tuple(fc.constantFrom('/', '/api/', '/api/v1/', '//'), fc.array(segment, { maxLength: 5 }))
    .map(([prefix, parts]) => prefix + parts.join('/')),
);
const query = fc.oneof(
  fc.constant(''),
  fc.constantFrom(
    '?since=-1',
    '?since=abc',
    '?limit=99999',
    '?dryRun=1',
    '?token=wrong-token-1',
    '?token=',
  ),
  fc.string({ maxLength: 20 }).map((s) => `?${encodeURIComponent(s)}=${encodeURIComponent(s)}`),
);
const printable = fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));
const headers = fc.record(
  {
    host: fc.oneof(
      fc.constantFrom('localhost:80', '127.0.0.1:7070', '[::1]', 'evil.example'),
      printable,
    ),
    authorization: fc.oneof(
      fc.constantFrom('Bearer ', 'Bearer wrong-token-x', `Basic ${TEST_TOKEN}`),
      printable,
    ),
    cookie: fc.oneof(fc.constantFrom('pidscope_session=', 'pidscope_session=abc.def'), printable),
    origin: fc.oneof(
      fc.constantFrom('null', 'https://evil.example', 'http://localhost:80'),
      printable,
    ),
    'content-type': fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
    ),
    accept: fc.constantFrom('text/html', 'application/json', '*/*'),
    upgrade: fc.constant('websocket'),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('{"signal":"SIGKILL","startTime":1}', '{"__proto__":{"x":1}}', '[', 'null'),
);
const method = fc.constantFrom(
  'GET',
  'HEAD',
  'POST',
  'DELETE',
  'PUT',
  'PATCH',
  'OPTIONS',
) as fc.Arbitrary<'GET' | 'HEAD' | 'POST' | 'DELETE' | 'PUT' | 'PATCH' | 'OPTIONS'>;

const STACK = /\n\s+at |\.(ts|js):\d+:\d+/;
const PROCESS_DATA = /"cmdline"|"processes"|"ppid"|"nsPids"/;

describe('random requests at every route', () => {
  // Read-only: a random request that does carry the token can never signal or start anything.
  const shared = useSharedApp(() => ({ argv: ['--web-root', webRoot(), '--read-only'] }));

  it('without credentials: never a 5xx, never a stack, never process data', async () => {
    const app = shared();
    await fc.assert(
      fc.asyncProperty(method, path, query, headers, body, async (m, p, q, h, b) => {
        const res = await app.inject({
          method: m,
          url: p + q,
          headers: h,
          ...(b === undefined || m === 'GET' || m === 'HEAD'
            ? {}
            : { payload: typeof b === 'string' ? b : JSON.stringify(b) }),
        });
        expect(res.statusCode, `${m} ${p}${q}`).toBeLessThan(500);
        expect(res.body).not.toMatch(STACK);
        expect(res.body, `${m} ${p}${q}`).not.toMatch(PROCESS_DATA);
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  it('with the token: never a 5xx, never a stack', async () => {
    const app = shared();
    await fc.assert(
      fc.asyncProperty(method, path, query, headers, body, async (m, p, q, h, b) => {
        const res = await app.inject({
          method: m,
          url: p + q,
          headers: { ...h, host: 'localhost:80', authorization: `Bearer ${TEST_TOKEN}` },
          ...(b === undefined || m === 'GET' || m === 'HEAD'
            ? {}
            : { payload: typeof b === 'string' ? b : JSON.stringify(b) }),
        });
        expect(res.statusCode, `${m} ${p}${q} ${res.body.slice(0, 200)}`).toBeLessThan(500);
        expect(res.body).not.toMatch(STACK);
      }),
      { numRuns: 300, seed: 17 },
    );
  });
});
