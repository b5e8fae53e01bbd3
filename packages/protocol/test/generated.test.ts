import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { checkerModule } from '../scripts/checkerModule.js';
import { copierModule } from '../scripts/copierModule.js';
import { checkedSchemas } from '../src/checked.js';
import { copiedShapes } from '../src/copied.js';
import { checks } from '../src/generated/checkers.js';
import { copiers } from '../src/generated/copiers.js';

test.each([
  ['checkers.ts', checkerModule(checkedSchemas), checks, checkedSchemas],
  ['copiers.ts', copierModule(copiedShapes), copiers, copiedShapes],
] as const)('[P12] src/generated/%s is what the schemas give now', (file, text, module, from) => {
  const written = readFileSync(new URL(`../src/generated/${file}`, import.meta.url), 'utf8');
  expect(
    written === text,
    `src/generated/${file} is stale: npm run generate -w @pidscope/protocol`,
  ).toBe(true);
  expect(Object.keys(module)).toEqual(Object.keys(from));
});
