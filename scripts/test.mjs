// `npm test`: lint and format check, build, typecheck, then every package's tests, one package at a time
// (live tests start real processes and containers and must not race each other's scans).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

preflight();
run('biome', ['check', '.']);
run('turbo', ['run', 'build', 'typecheck', '--output-logs=errors-only']);
// The build above always produces the images CLI; the tests need its images.
execFileSync(process.execPath, [join(root, 'apps', 'agent', 'dist', 'docker', 'imagesCli.js')], {
  cwd: root,
  stdio: 'inherit',
});
run('turbo', ['run', 'test', '--concurrency=1', '--continue']);
