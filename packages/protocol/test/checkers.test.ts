import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import Type, { type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkerModule } from '../scripts/checkerModule.js';
import { type CheckedName, checkedSchemas } from '../src/checked.js';
import { checks } from '../src/generated/checkers.js';
import { diff, type Event } from '../src/index.js';
import { container, host, proc, state } from './fixtures.js';

const event: Event = {
  id: 4,
  type: 'reparented',
  at: 1_700_000_000_000,
  pid: 7,
  startTime: 70,
  containerId: null,
  oldPpid: 5,
  newPpid: 1,
  newParentKind: 'host-init',
  message: 'sleep (7) was adopted by init (1)',
};
const zombie = proc(9, 90, { ppid: 7, state: 'Z', zombieSince: 1_700_000_000_000.5 });
const before = state(3, [proc(1, 10), proc(7, 70, { ppid: 1 }), zombie], {
  containers: [container('a'.repeat(64), { pidsMax: 512 })],
});
const after = state(4, [proc(1, 10), proc(7, 70, { ppid: 1, rssBytes: 1 << 20 }), proc(8, 80)], {
  host: { ...host, tasks: host.tasks + 2, etaSeconds: 90.5 },
  containers: [
    container('a'.repeat(64), { pidsMax: 512, pidsCurrent: 3 }),
    container('b'.repeat(12)),
  ],
});
const patch = diff(before, after, [event]);
const back = diff(after, { ...before, seq: 5 });
const hello = {
  type: 'hello',
  protocolVersion: 2,
  hostname: 'box',
  kernel: '6.1.0',
  agentVersion: '0.1.0',
  capabilities: ['signal'],
  docker: before.docker,
  readOnly: false,
  intervalMs: 1000,
};
const heartbeat = { type: 'heartbeat', seq: 4, at: 1_700_000_000_000 };
const resync = { type: 'resync', reason: 'gap' };
const snapshot = { type: 'snapshot', seq: 3, state: before };

// Valid values of the schemas, as the stream carries them. A schema added to checked.ts without
// samples here is still tested, from the value typebox creates for it.
const samples: Partial<Record<CheckedName, unknown[]>> = {
  hello: [hello],
  snapshot: [snapshot],
  patch: [patch, back],
  heartbeat: [heartbeat],
  resync: [resync, { type: 'resync' }],
  serverMessage: [hello, snapshot, patch, back, heartbeat],
  clientMessage: [resync],
  state: [before, after],
  process: before.processes,
  container: after.containers,
  event: [event],
};

type Path = (string | number)[];

/** Every object and array inside `value` (itself included), by path. */
function holders(value: unknown, at: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [];
  return [at, ...Object.entries(value).flatMap(([k, v]) => holders(v, [...at, k]))];
}

function get(value: unknown, path: Path): Record<string, unknown> {
  return path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], value) as Record<
    string,
    unknown
  >;
}

const odd = fc.oneof(
  fc.jsonValue({ maxDepth: 1 }),
  fc.constantFrom(-1, 0.5, 2 ** 53, '', 'ZZ', 'docker', null, true, [], {}, '__proto__'),
);
type Check = (value: unknown) => boolean;

/** A change somewhere inside a value: a field or item replaced, removed or added. */
interface Change {
  holder: number;
  key: number;
  kind: 'replace' | 'remove' | 'add';
  value: unknown;
}
const change: fc.Arbitrary<Change> = fc.record({
  holder: fc.nat(),
  key: fc.nat(),
  kind: fc.constantFrom('replace' as const, 'remove' as const, 'add' as const),
  value: odd,
});

function mutate(sample: unknown, changes: Change[]): unknown {
  const copy = structuredClone(sample);
  for (const c of changes) {
    // A fresh copy each time, so no value ever holds itself.
    const value = structuredClone(c.value);
    const all = holders(copy);
    if (all.length === 0) return value;
    const target = get(copy, all[c.holder % all.length] as Path);
    const keys = Object.keys(target);
    const key = keys.length > 0 ? (keys[c.key % keys.length] as string) : 'extra';
    if (c.kind === 'replace') target[key] = value;
    else if (c.kind === 'remove') {
      if (Array.isArray(target)) target.splice(Number(key), 1);
      else delete target[key];
    } else if (Array.isArray(target)) target.push(value);
    else {
      Object.defineProperty(target, ['extra', '__proto__', 'constructor'][c.key % 3] as string, {
        value,
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
  }
  return copy;
}

describe('checkers', () => {
  test.each(Object.keys(checkedSchemas) as CheckedName[])(
    '[P12] the %s checker answers as its schema does, on valid values and changed ones',
    (name) => {
      const schema: TSchema = checkedSchemas[name];
      const seeds = samples[name] ?? [Value.Create(schema)];
      for (const seed of seeds) expect(checks[name](seed)).toBe(true);
      const answers = new Set<boolean>();
      fc.assert(
        fc.property(
          fc.constantFrom(...seeds),
          fc.array(change, { minLength: 1, maxLength: 3 }),
          (seed, changes) => {
            const value = mutate(seed, changes);
            const answer = checks[name](value);
            answers.add(answer);
            expect(answer).toBe(Value.Check(schema, value));
          },
        ),
        { numRuns: 1500 },
      );
      // Both answers came up, so the comparison above was not all one-sided. Changes leave a
      // value valid about 2% of the time for the tightest schemas (fleetHost, heartbeat): 300
      // runs missed every valid one about once in 500, 1,500 runs once in 10^13.
      expect([...answers].sort()).toEqual([false, true]);
    },
  );
});

describe('checkerModule', () => {
  // Made in beforeAll: a suite whose tests are all filtered out runs no hook to remove it.
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pidscope-checkers-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const require = createRequire(import.meta.url);

  /** Writes a generated module where it can be imported from, typebox resolved from here. */
  async function load(schemas: Record<string, TSchema>): Promise<unknown> {
    const code = checkerModule(schemas).replace(
      /from '(typebox\/[a-z]+)'/g,
      (_, spec: string) => `from '${pathToFileURL(require.resolve(spec)).href}'`,
    );
    const file = join(dir, `${Object.keys(schemas).join('-')}.ts`);
    writeFileSync(file, code);
    return ((await import(pathToFileURL(file).href)) as { checks: unknown }).checks;
  }

  test('[P12] patterns, formats, constants and unevaluated fields are written out and hold', async () => {
    const schemas = {
      record: Type.Object(
        {
          id: Type.String({ pattern: '^[0-9a-f]{12,64}$' }),
          at: Type.String({ format: 'date-time' }),
          tags: Type.Record(Type.String({ pattern: '^[a-z]+$' }), Type.Integer()),
        },
        { additionalProperties: false },
      ),
      shape: {
        allOf: [{ type: 'object', properties: { a: { const: { b: [1, 'c'] } } } }],
        properties: { kind: { enum: [{ x: 1 }, 'y'] } },
        unevaluatedProperties: false,
      } as unknown as TSchema,
    };
    const got = (await load(schemas)) as unknown as Record<keyof typeof schemas, Check>;
    const cases: [keyof typeof schemas, unknown, boolean][] = [
      ['record', { id: 'ab12'.repeat(4), at: '2026-01-02T03:04:05Z', tags: { a: 1 } }, true],
      ['record', { id: 'AB12'.repeat(4), at: '2026-01-02T03:04:05Z', tags: {} }, false],
      ['record', { id: 'ab12'.repeat(4), at: 'yesterday', tags: {} }, false],
      ['record', { id: 'ab12'.repeat(4), at: '2026-01-02T03:04:05Z', tags: { b: 'c' } }, false],
      ['shape', { a: { b: [1, 'c'] }, kind: { x: 1 } }, true],
      ['shape', { kind: 'y' }, true],
      ['shape', { a: { b: [1] } }, false],
      ['shape', { kind: { x: 2 } }, false],
      ['shape', { z: 1 }, false],
    ];
    for (const [name, value, valid] of cases) {
      expect(got[name](value), JSON.stringify(value)).toBe(valid);
      expect(Value.Check(schemas[name], value)).toBe(valid);
    }
  });

  test('[P12] a refinement, which is a function, is refused with the schema it is in', () => {
    const odd = Type.Refine(Type.Integer(), (n) => n % 2 === 1);
    expect(() => checkerModule({ odd })).toThrow(/^odd \(external 0\) is not data/);
  });
});
