// Installs workspace dependencies when they are missing or older than the lockfile.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function ensureInstalled() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs;
  if (!stale) return;
  console.log('pidscope: installing dependencies (npm ci) …');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

export function run(bin, args, opts = {}) {
  process.env.TURBO_TELEMETRY_DISABLED = '1';
  execFileSync(join(root, 'node_modules', '.bin', bin), args, {
    cwd: root,
    stdio: 'inherit',
    ...opts,
  });
}
