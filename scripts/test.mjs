// `npm test`: lint and format check, build, typecheck, then every package's tests, one package at a time
// (live tests start real processes and containers and must not race each other's scans), in a
// temp dir of their own that must be empty at the end.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureInstalled, root, run } from './ensure.mjs';

ensureInstalled();

function preflight() {
  const problems = [];
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe' });
  } catch {
    problems.push(
      'Docker is not answering (`docker info` failed). `.ci/run` installs docker.io and starts dockerd.',
    );
  }
  if (!existsSync('/usr/bin/chromium')) {
    problems.push('Chromium is missing at /usr/bin/chromium (`apt-get install -y chromium`).');
  }
  if (!existsSync('/bin/busybox') && !existsSync('/usr/bin/busybox')) {
    problems.push(
      'busybox is missing (`apt-get install -y busybox-static`), needed for local test images.',
    );
  }
  for (const [tool, pkg] of [
    ['prometheus', 'prometheus'],
    ['promtool', 'prometheus'],
    ['prometheus-node-exporter', 'prometheus-node-exporter'],
  ]) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'pipe' });
    } catch {
      problems.push(
        `${tool} is missing (\`apt-get install -y ${pkg}\`), needed for the metrics and alert tests.`,
      );
    }
  }
  if (problems.length) {
    console.error(
      `pidscope tests need real Docker, Chromium, busybox and Prometheus:\n- ${problems.join('\n- ')}`,
    );
    process.exit(1);
  }
}

// Caches that tools keep in the temp dir on purpose, to reuse across runs: not a test's leftovers.
// tsx (every agent a test starts from source) has no setting to put its cache elsewhere, and
// Playwright's transform cache is only moved by an undocumented variable. Here they live and go
// with the run's temp dir: each run starts them cold, which costs about a second.
const uid = process.geteuid?.();
const TOOL_CACHES = new Set([`tsx-${uid}`, `playwright-transform-cache-${uid}`]);

/**
 * Runs `suites` with TMPDIR (which os.tmpdir(), mkdtemp, the agents and Chromium follow) set to a
 * fresh directory, then removes it and fails if they left anything in it but TOOL_CACHES. The
 * suites have all exited by then: turbo waits for every package's tests, and Playwright closes its
 * browsers (whose profile dirs it removes) before it exits.
 */
function inOwnTmpdir(suites) {
  const dir = mkdtempSync(join(tmpdir(), 'pidscope-test-'));
  process.env.TMPDIR = dir;
  let left;
  try {
    suites();
  } finally {
    left = readdirSync(dir).filter((name) => !TOOL_CACHES.has(name));
    rmSync(dir, { recursive: true, force: true });
    if (left.length) {
      console.error(
        `pidscope: the tests left ${left.length} entries in their temp dir ${dir} (now removed); ` +
          `a test removes what it makes (apps/agent/test/helpers/tempDir.ts does it for a directory):\n` +
          left.map((name) => `- ${name}`).join('\n'),
      );
    }
  }
  if (left.length) process.exit(1);
}

preflight();
run('biome', ['check', '.']);
run('turbo', ['run', 'build', 'typecheck', '--output-logs=errors-only']);
inOwnTmpdir(() => {
  // The build above always produces the images CLI; the tests need its images.
  execFileSync(process.execPath, [join(root, 'apps', 'agent', 'dist', 'docker', 'imagesCli.js')], {
    cwd: root,
    stdio: 'inherit',
  });
  run('turbo', ['run', 'test', '--concurrency=1', '--continue']);
});
