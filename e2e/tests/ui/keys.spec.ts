import { type ChildProcess, spawn } from 'node:child_process';
import type { Process } from '@pidscope/protocol';
import { expect, openDashboard, snapshot, test, treeitem } from '../../src/fixtures.js';
import { readStat, startTimeOf } from '../../src/proc.js';

let family: ChildProcess | null = null;

test.afterEach(() => {
  // The shell and its children share a process group: end all of them.
  if (family?.pid && family.exitCode === null) process.kill(-family.pid, 'SIGKILL');
  family = null;
});

test('every key: ? / z f k Esc, and none while typing', async ({ page, agent }) => {
  // A parent that leaves a zombie (it exec's into sleep, which never reaps) and has a live child.
  family = spawn('sh', ['-c', 'sleep 0.2 & sleep 600 & exec sleep 601'], {
    stdio: 'ignore',
    detached: true,
  });
  const pid = family.pid as number;
  const startTime = startTimeOf(pid);
  let tree: Process[] = [];
  await expect
    .poll(async () => {
      tree = (await snapshot(agent)).processes.filter((p) => p.ppid === pid);
      return tree.length === 2 && tree.some((p) => p.state === 'Z');
    })
    .toBe(true);
  const zombie = tree.find((p) => p.state === 'Z');
  expect(zombie && readStat(zombie.pid)?.state).toBe('Z');

  await openDashboard(page, agent, `pid=${pid}&start=${startTime}`);
  const details = page.getByTestId('details');
  await expect(details).toHaveAttribute('aria-label', `Details of sleep, PID ${pid}`);
  const svg = page.getByRole('tree');
  const rows = async () => Number(await svg.getAttribute('data-total'));

  // ? lists the keys; Esc closes the list.
  await page.keyboard.press('?');
  const help = page.getByTestId('key-help');
  await expect(help).toBeVisible();
  for (const key of ['/', 'z', 'f', 'k', 'Esc', '?']) {
    const exactly = new RegExp(`^${key.replace(/[?/]/g, '\\$&')}$`);
    await expect(help.locator('kbd').filter({ hasText: exactly }).first()).toBeVisible();
  }
  await page.keyboard.press('Escape');
  await expect(help).toHaveCount(0);

  // / goes to the search box; what is typed there is text, not commands.
  const box = page.getByTestId('search');
  await page.keyboard.press('/');
  await expect(box).toBeFocused();
  await page.keyboard.type('zfk');
  await expect(box).toHaveValue('zfk');
  await expect(page.getByTestId('filter-zombies')).not.toBeChecked();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(box).toHaveValue('');
  await box.evaluate((e) => (e as HTMLInputElement).blur());

  // z: zombies (ours among them) and their ancestors only; z again: everything.
  const all = await rows();
  await page.keyboard.press('z');
  await expect(page.getByTestId('filter-zombies')).toBeChecked();
  await expect(treeitem(page, zombie as Process)).toHaveAttribute('data-zombie', 'true');
  expect(await rows()).toBeLessThan(all);
  await page.keyboard.press('z');
  await expect(page.getByTestId('filter-zombies')).not.toBeChecked();

  // f: the selected process and its descendants alone, kept in the URL.
  await page.keyboard.press('f');
  await expect.poll(rows).toBe(3);
  expect(new URL(page.url()).searchParams.get('focus')).toBe(`${pid}:${startTime}`);
  for (const p of [{ pid, startTime }, ...tree]) await expect(treeitem(page, p)).toBeVisible();
  await expect(page.getByTestId('focus-chip')).toContainText(`sleep ${pid}`);

  // k: the signal dialog of the selection, with the agent's preview; Esc closes it first.
  await page.keyboard.press('k');
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('signal-preview')).toContainText(`SIGTERM to PID ${pid}`);
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  expect(readStat(pid)?.startTime).toBe(startTime);

  // Esc then clears the focus, then the selection.
  await page.keyboard.press('Escape');
  await expect.poll(rows).toBeGreaterThan(3);
  expect(new URL(page.url()).searchParams.has('focus')).toBe(false);
  await page.keyboard.press('Escape');
  await expect(details).toHaveCount(0);
  expect(new URL(page.url()).searchParams.has('pid')).toBe(false);
});
