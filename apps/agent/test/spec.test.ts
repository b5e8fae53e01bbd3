import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const spec = readFileSync(join(here, '..', '..', '..', 'packages', 'protocol', 'SPEC.md'), 'utf8');

function testSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return testSources(path);
    return e.name.endsWith('.test.ts') ? [readFileSync(path, 'utf8')] : [];
  });
}

test("every REST rule of the protocol's SPEC.md has an agent test named after it", () => {
  const rules = [...spec.matchAll(/^- \*\*\[(R\d+)\]\*\*/gm)].map((m) => m[1] as string);
  expect(rules.length).toBeGreaterThan(0);
  const tests = testSources(here)
    .filter((text) => !text.includes("every REST rule of the protocol's SPEC.md"))
    .join('\n');
  expect(rules.filter((r) => !tests.includes(`[${r}]`))).toEqual([]);
});
