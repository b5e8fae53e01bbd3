import { type ChildProcess, spawn } from 'node:child_process';
import { expect, openDashboard, snapshot, test, treeitem } from '../../src/fixtures.js';
import { startTimeOf } from '../../src/proc.js';

let busy: ChildProcess | null = null;
let idle: ChildProcess | null = null;

test.afterEach(() => {
  for (const c of [busy, idle])
    if (c?.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  busy = idle = null;
});

const cpuIn = (label: string | null) => Number(/\bcpu (\d+)%/.exec(label ?? '')?.[1] ?? 0);

test('a busy loop shows cpu ≥ 50% in its accessible name within seconds; an idle process shows none', async ({
  page,
  agent,
}) => {
  busy = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
  idle = spawn('sleep', ['600'], { stdio: 'ignore' });
  const loop = { pid: busy.pid as number, startTime: startTimeOf(busy.pid as number) };
  const sleeper = { pid: idle.pid as number, startTime: startTimeOf(idle.pid as number) };

  await openDashboard(page, agent, `pid=${loop.pid}&start=${loop.startTime}`);
  const row = treeitem(page, loop);
  await expect
    .poll(async () => cpuIn(await row.getAttribute('aria-label')), { timeout: 10_000 })
    .toBeGreaterThanOrEqual(50);
  await expect(row).toHaveAttribute('aria-label', /^sh, PID \d+, cpu \d+%, rss \d/);
  // The details say it too, and the agent's snapshot agrees: every client sees the same figure.
  await expect(page.getByTestId('details')).toContainText('% of one CPU');
  // The figure moves every 2 s, and on a loaded machine the loop may get less than half a CPU for
  // one interval: the snapshot is read until it holds the figure too.
  await expect
    .poll(async () => (await snapshot(agent)).processes.find((p) => p.pid === loop.pid)?.cpu ?? 0, {
      timeout: 10_000,
    })
    .toBeGreaterThanOrEqual(50);
  expect((await snapshot(agent)).processes.find((p) => p.pid === sleeper.pid)?.cpu).toBe(0);

  // "busiest": the loop is among the processes drawn, the idle sleeper is not.
  await page.getByTestId('filter-busiest').check();
  await expect(row).toBeVisible();
  await expect(treeitem(page, sleeper)).toHaveCount(0);
  // Busiest first: the loop comes before its idle siblings under the same parent.
  await page.getByTestId('filter-busiest').uncheck();
  await page.getByTestId('order').selectOption('cpu');
  await expect(treeitem(page, sleeper)).toBeAttached();
  const y = async (p: { pid: number; startTime: number }) =>
    (await treeitem(page, p).boundingBox())?.y ?? Number.NaN;
  await expect.poll(async () => (await y(loop)) < (await y(sleeper))).toBe(true);
});
