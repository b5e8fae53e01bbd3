import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { CloseCode } from '../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const spec = readFileSync(join(root, 'SPEC.md'), 'utf8');
const tests = readdirSync(join(root, 'test'))
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => readFileSync(join(root, 'test', f), 'utf8'))
  .join('\n');

/**
 * Rules about what a server does on its sockets, routes and recording; this package has no server
 * to test them on. The agent's tests check the S, T, H and R ones (its own spec test checks that it
 * has a test for each R rule), the hub's (apps/hub) the F ones, the history package's the H10 one.
 */
const serverRules = new Set([
  'S3',
  'T5',
  'T6',
  'T7',
  'T8',
  'H2',
  'H3',
  'H7',
  'H8',
  'H10',
  'R2',
  'R3',
  'R4',
  'R7',
  'F2',
  'F3',
  'F10',
]);

describe('SPEC.md', () => {
  const rules = [...spec.matchAll(/^- \*\*\[([A-Z]\d+)\]\*\*/gm)].map((m) => m[1] as string);

  test('rules are numbered without gaps or repeats', () => {
    const byPrefix = new Map<string, number[]>();
    for (const r of rules) {
      const list = byPrefix.get(r[0] as string) ?? [];
      list.push(Number(r.slice(1)));
      byPrefix.set(r[0] as string, list);
    }
    expect([...byPrefix.keys()].sort()).toEqual(['A', 'D', 'F', 'H', 'P', 'R', 'S', 'T']);
    for (const [, numbers] of byPrefix) {
      expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    }
  });

  test('every rule this package implements has a test named after it', () => {
    const untested = rules.filter((r) => !serverRules.has(r) && !tests.includes(`[${r}]`));
    expect(untested).toEqual([]);
  });

  test('the close code table matches CloseCode', () => {
    const rows = [...spec.matchAll(/^\| (\d{4}) \| `(\w+)` *\|/gm)].map((m) => [
      m[2],
      Number(m[1]),
    ]);
    expect(Object.fromEntries(rows)).toEqual(CloseCode);
  });
});
