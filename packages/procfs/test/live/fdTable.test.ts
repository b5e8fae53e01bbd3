import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { descriptorTableSize } from '../../src/index.js';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the probe in a fresh process (the table of this one has grown already). */
function probe(slots: number) {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'test/support/fdTableProbe.ts', String(slots)],
    { cwd: packageDir, encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').at(-1) as string);
}

describe('reserveDescriptors: the descriptor table grown in one step', () => {
  it('grows a fresh process table to the slots asked for, and leaves no descriptor open', () => {
    const r = probe(5000);
    // A fresh Node process starts far below that; the kernel rounds a growth up to a power of two.
    expect(r.before.size).toBeLessThan(5000);
    expect(r.reserved).toBe(8192);
    expect(r.after).toEqual({ size: 8192, open: r.before.open });
    // Descriptors opened afterwards fit in the table as it is.
    expect(r.filled.size).toBe(8192);
    expect(r.filled.highest).toBeGreaterThan(4096);
    expect(r.again).toBe(8192);
  });

  it('leaves a table that is large enough as it is', () => {
    const size = descriptorTableSize() as number;
    expect(size).toBeGreaterThan(0);
    const r = probe(64);
    expect(r.reserved).toBe(r.before.size);
    expect(r.after.size).toBe(r.before.size);
  });
});
