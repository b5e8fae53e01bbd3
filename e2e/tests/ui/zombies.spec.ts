import type { Process } from '@pidscope/protocol';
import {
  drawnInside,
  expect,
  openDashboard,
  showContainer,
  snapshot,
  test,
  treeitem,
  waitForContainer,
} from '../../src/fixtures.js';
import { readStat } from '../../src/proc.js';

test('zombie-no-init: the zombie is drawn in its container and its parent is blamed', async ({
  page,
  agent,
  startDemo,
}) => {
  await openDashboard(page, agent);
  const demo = await startDemo('zombie-no-init');
  const id = demo.containerIds[0] as string;
  await waitForContainer(agent, id);
  const group = await showContainer(page, id);
  await expect(group).toBeVisible();
  await expect(group).toHaveAttribute('data-init', 'false');

  let zombie: Process | undefined;
  await expect
    .poll(
      async () => {
        zombie = (await snapshot(agent)).processes.find(
          (p) => p.containerId === id && p.state === 'Z',
        );
        return zombie !== undefined;
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  const z = zombie as Process;
  // The kernel agrees: it is a zombie.
  expect(readStat(z.pid)?.state).toBe('Z');

  const node = treeitem(page, z);
  await expect(node).toHaveAttribute('data-zombie', 'true');
  await expect(node).toHaveAttribute('aria-label', /zombie/);
  await expect.poll(() => drawnInside(node, group)).toBe(true);

  const parent = (await snapshot(agent)).processes.find((p) => p.pid === z.ppid);
  expect(parent, `parent ${z.ppid} of zombie ${z.pid}`).toBeDefined();
  await expect(treeitem(page, parent as Process)).toHaveAttribute('data-blamed', 'true');
  await expect.poll(() => drawnInside(treeitem(page, parent as Process), group)).toBe(true);
});

test('zombie-with-init: children come and go but no zombie stays in the container', async ({
  page,
  agent,
  startDemo,
}) => {
  await openDashboard(page, agent);
  const demo = await startDemo('zombie-with-init');
  const id = demo.containerIds[0] as string;
  // The agent must find the init (Docker's --init, or a reaping PID 1): the wait fails otherwise.
  await waitForContainer(agent, id, (c) => c.hasInit);
  const group = await showContainer(page, id);
  await expect(group).toBeVisible();
  await expect(group).toHaveAttribute('data-init', 'true');

  // Watch for ~10 s: the program keeps forking short-lived children, init reaps each one. A scan
  // can catch a child in the instant between its exit and init's reap, so a zombie may be seen
  // once; one still there after STAYS_MS (three scans at the agent's 1 s interval) was not reaped.
  const STAYS_MS = 2500;
  const seen = new Set<string>();
  const firstSeen = new Map<string, number>();
  const stayed = (keys: readonly string[]) => {
    const now = Date.now();
    for (const k of keys) if (!firstSeen.has(k)) firstSeen.set(k, now);
    return keys.filter((k) => now - (firstSeen.get(k) as number) > STAYS_MS);
  };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const state = await snapshot(agent);
    const mine = state.processes.filter((p) => p.containerId === id);
    for (const p of mine) seen.add(`${p.pid}:${p.startTime}`);
    const zombies = mine.filter((p) => p.state === 'Z').map((p) => `proc-${p.pid}-${p.startTime}`);
    expect(stayed(zombies), 'zombies that stayed in the container').toEqual([]);
    const drawnZombies = await page
      .locator('[role="treeitem"][data-zombie="true"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    const keys = new Set(mine.map((p) => `proc-${p.pid}-${p.startTime}`));
    const drawnHere = drawnZombies.filter((k): k is string => k !== null && keys.has(k));
    expect(stayed(drawnHere), 'zombies that stayed drawn in the container').toEqual([]);
    await page.waitForTimeout(500);
  }
  // More processes passed through the container than its init and program: children did come and go.
  expect(seen.size).toBeGreaterThan(3);
});
