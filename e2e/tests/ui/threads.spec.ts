import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { expect, openDashboard, press, test } from '../../src/fixtures.js';
import { startTimeOf } from '../../src/proc.js';

let threaded: ChildProcess | null = null;

test.afterEach(() => {
  if (threaded?.exitCode === null && threaded.signalCode === null) threaded.kill('SIGKILL');
  threaded = null;
});

test('a 6-thread process expands to its 6 threads with their TIDs; no thread is drawn as a process', async ({
  page,
  agent,
}) => {
  // Node with a V8 pool of three runs six threads.
  threaded = spawn(process.execPath, ['--v8-pool-size=3', '-e', 'setInterval(() => {}, 1000)'], {
    stdio: 'ignore',
  });
  const pid = threaded.pid as number;
  const startTime = startTimeOf(pid);
  const tids = () =>
    readdirSync(`/proc/${pid}/task`)
      .map(Number)
      .sort((a, b) => a - b);
  await expect.poll(() => tids().length).toBe(6);

  await openDashboard(page, agent, `pid=${pid}&start=${startTime}`);
  const details = page.getByTestId('details');
  const toggle = details.getByTestId('threads-toggle');
  await expect(toggle).toHaveText(/Threads \(6\)/);
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await press(toggle);
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  const rows = details.getByTestId('threads').locator('tbody tr');
  await expect(rows).toHaveCount(6);
  const shown = await rows.evaluateAll((trs) =>
    trs.map((tr) => Number(tr.getAttribute('data-tid'))),
  );
  expect(shown).toEqual(tids());
  await expect(rows.first()).toContainText(String(pid));
  await expect(rows.first()).toContainText('node');

  // The tree draws the process once, and none of its other threads.
  for (const tid of tids()) {
    await expect(page.locator(`[role="treeitem"][data-pid="${tid}"]`)).toHaveCount(
      tid === pid ? 1 : 0,
    );
  }
});
