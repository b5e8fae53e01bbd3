// Writes src/generated/checkers.ts (the checker of every schema in src/checked.ts) and
// src/generated/copiers.ts (the copier of every shape in src/copied.ts). The build, typecheck,
// tests and bench run it first, so both are always the schemas' own; the files are not committed.
// Tasks that run at once may both call it: each file is replaced in one rename.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkedSchemas } from '../src/checked.js';
import { copiedShapes } from '../src/copied.js';
import { checkerModule } from './checkerModule.js';
import { copierModule } from './copierModule.js';

function write(relative: string, text: string): void {
  const target = fileURLToPath(new URL(relative, import.meta.url));
  let current: string | null = null;
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current === text) return;
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.tmp`;
  writeFileSync(partial, text);
  renameSync(partial, target);
}

write('../src/generated/checkers.ts', checkerModule(checkedSchemas));
write('../src/generated/copiers.ts', copierModule(copiedShapes));
