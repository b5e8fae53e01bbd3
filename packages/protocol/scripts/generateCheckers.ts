// Writes src/generated/checkers.ts, the checker of every schema in src/checked.ts. The build,
// typecheck, tests and bench run it first, so the checkers are always the schemas' own; the file
// is not committed. Tasks that run at once may both call it: the file is replaced in one rename.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkedSchemas } from '../src/checked.js';
import { checkerModule } from './checkerModule.js';

const target = fileURLToPath(new URL('../src/generated/checkers.ts', import.meta.url));
const text = checkerModule(checkedSchemas);
let current: string | null = null;
try {
  current = readFileSync(target, 'utf8');
} catch {}
if (current !== text) {
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.tmp`;
  writeFileSync(partial, text);
  renameSync(partial, target);
}
