import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];
// At the end of the file, not of the test: a shared app's web root outlives every test. Each test
// file loads this module anew, and its hook, registered before the file's own, runs after them:
// apps are closed by then.
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A fresh directory `<tmpdir>/<prefix>XXXXXX`, removed after the test file's last test. Call it in
 * a test or a hook, not while the file is collected: a file whose tests are all filtered out runs
 * no hook, and what it made would stay.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
