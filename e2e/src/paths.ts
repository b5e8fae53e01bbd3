import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = join(E2E_DIR, '..');
/** Agent and compose logs of the last run (gitignored). */
export const LOG_DIR = join(E2E_DIR, 'logs');
export const AGENT_MAIN = join(REPO_ROOT, 'apps', 'agent', 'dist', 'main.js');
export const HUB_MAIN = join(REPO_ROOT, 'apps', 'hub', 'dist', 'main.js');
export const WEB_INDEX = join(REPO_ROOT, 'apps', 'web', 'dist', 'index.html');
