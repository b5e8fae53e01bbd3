import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const spec = readFileSync(join(here, '..', '..', '..', 'packages', 'protocol', 'SPEC.md'), 'utf8');
const tests = readdirSync(here, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => readFileSync(join(here, f), 'utf8'))
  .join('\n');

/** The fleet rules that only a running hub can show; the protocol package tests the others. */
const HUB_RULES = ['F2', 'F3', 'F10'];

test('every fleet rule the hub implements has a test named after it', () => {
  for (const rule of HUB_RULES) expect(spec).toContain(`**[${rule}]**`);
  expect(HUB_RULES.filter((r) => !tests.includes(`[${r}]`))).toEqual([]);
});
