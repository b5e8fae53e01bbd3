// `npm run bench`: build, run every workspace's `bench` script one at a time (benchmarks must not
// share the CPUs with each other), then merge bench/results/<name>.json into bench/results/latest.md
// and the README's benchmark table.
//   --merge-only   skip building and running; only merge the result files already there
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ensureInstalled, root, run } from './ensure.mjs';

const resultsDir = join(root, 'bench', 'results');
const latest = join(resultsDir, 'latest.md');
const readme = join(root, 'README.md');
const README_START = '<!-- bench:start -->';
const README_END = '<!-- bench:end -->';

/** Workspaces (name and short name) that declare a `bench` script, in the root's workspace order. */
function benchWorkspaces() {
  const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const found = [];
  for (const pattern of workspaces) {
    const dirs = pattern.endsWith('/*')
      ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => join(pattern.slice(0, -2), d.name))
      : [pattern];
    for (const dir of dirs) {
      const file = join(root, dir, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (pkg.scripts?.bench) found.push({ name: pkg.name, dir });
    }
  }
  return found;
}

function isoMinute(ms) {
  return new Date(ms)
    .toISOString()
    .replace(/:\d\d\.\d+Z$/, 'Z')
    .replace('T', ' ');
}

function machine() {
  const cpus = os.cpus();
  const [l1, l5] = os.loadavg();
  return {
    date: isoMinute(Date.now()),
    kernel: `${os.type()} ${os.release()}`,
    cpu: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    load: `${l1.toFixed(1)} (1 min), ${l5.toFixed(1)} (5 min) at the end`,
  };
}

function validResult(data) {
  return (
    data &&
    typeof data.title === 'string' &&
    Array.isArray(data.rows) &&
    data.rows.every(
      (r) =>
        typeof r.metric === 'string' && typeof r.value === 'number' && typeof r.unit === 'string',
    )
  );
}

function cell(text) {
  return String(text ?? '')
    .replaceAll('|', '\\|')
    .replaceAll('\n', ' ');
}

function formatValue(value) {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return String(Number(value.toPrecision(4)));
}

function render(startedAt, outcomes) {
  const m = machine();
  const lines = [
    '| machine | |',
    '|---|---|',
    `| merged | ${m.date} |`,
    `| kernel | ${m.kernel} |`,
    `| CPU | ${m.cpu} |`,
    `| memory | ${m.memory} |`,
    `| Node | ${m.node} |`,
    ...(startedAt === null ? [] : [`| load average | ${m.load} |`]),
    '',
  ];
  const files = readdirSync(resultsDir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  for (const file of files) {
    const path = join(resultsDir, file);
    let data;
    try {
      data = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      lines.push(`### ${file}`, '', `Unreadable: ${cell(err.message)}`, '');
      continue;
    }
    if (!validResult(data)) {
      lines.push(`### ${file}`, '', 'Not in the bench result format.', '');
      continue;
    }
    const measured = statSync(path).mtimeMs;
    const stale = startedAt !== null && measured < startedAt;
    lines.push(
      `### ${cell(data.title)}`,
      '',
      `_${file}, written ${isoMinute(measured)}${stale ? ', not by this run' : ''}._`,
      '',
    );
    lines.push('| metric | value | unit | target | note |', '|---|---:|---|---|---|');
    for (const r of data.rows) {
      lines.push(
        `| ${cell(r.metric)} | ${formatValue(r.value)} | ${cell(r.unit)} | ${cell(r.target)} | ${cell(r.note)} |`,
      );
    }
    lines.push('');
  }
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length) {
    lines.push(`Failed this run: ${failed.map((o) => `${o.name} (${o.status})`).join(', ')}.`, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function updateReadme(table) {
  if (!existsSync(readme)) return false;
  const text = readFileSync(readme, 'utf8');
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start === -1 || end < start) return false;
  const next = `${text.slice(0, start + README_START.length)}\n\n${table}\n${text.slice(end)}`;
  if (next !== text) writeFileSync(readme, next);
  return true;
}

const mergeOnly = process.argv.includes('--merge-only');
const startedAt = mergeOnly ? null : Date.now();
const outcomes = [];
if (!mergeOnly) {
  ensureInstalled();
  run('turbo', ['run', 'build', '--output-logs=errors-only']);
  for (const ws of benchWorkspaces()) {
    console.log(`\n=== bench: ${ws.name} ===`);
    const t0 = Date.now();
    const res = spawnSync('npm', ['run', 'bench', '-w', ws.name], { cwd: root, stdio: 'inherit' });
    const ok = res.status === 0;
    outcomes.push({ name: ws.name, ok, status: res.signal ?? res.status });
    console.log(
      `=== ${ws.name}: ${ok ? 'done' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
}
const table = render(startedAt, outcomes);
writeFileSync(latest, table);
const inReadme = updateReadme(table);
console.log(`\n${table}`);
console.log(`pidscope: wrote bench/results/latest.md${inReadme ? ' and the README table' : ''}`);
if (outcomes.some((o) => !o.ok)) process.exit(1);
