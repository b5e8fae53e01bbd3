import type { Event, Process } from '@pidscope/protocol';
import {
  drawnInside,
  events,
  expect,
  openDashboard,
  press,
  showContainer,
  snapshot,
  test,
  treeitem,
  waitForContainer,
} from '../../src/fixtures.js';
import { readStat } from '../../src/proc.js';

test('orphan-reparent: the reparented event shows and the orphan sits under its new parent', async ({
  page,
  agent,
  startDemo,
}) => {
  await openDashboard(page, agent);
  const since = Date.now() - 1000;
  const demo = await startDemo('orphan-reparent');
  const id = demo.containerIds[0] as string;
  await waitForContainer(agent, id);
  const group = await showContainer(page, id);

  let event: Event | undefined;
  await expect
    .poll(
      async () => {
        event = (await events(agent, since)).find(
          // Not the container's own PID 1, which runc hands to containerd-shim at start.
          (e) =>
            e.type === 'reparented' && e.containerId === id && e.newParentKind === 'namespace-init',
        );
        return event !== undefined;
      },
      { timeout: 40_000 },
    )
    .toBe(true);
  const ev = event as Event;

  // The timeline draws the lines in view: narrow it to reparentings, as someone looking for one
  // would on a busy host.
  for (const type of ['zombie-appeared', 'zombie-reaped', 'exited', 'container-started']) {
    const chip = page.getByTestId(`event-filter-${type}`);
    if (await chip.isChecked()) await chip.uncheck();
  }
  // Both orphans of the demo say "reparented": they share one line, opened to show each.
  const timeline = page.getByTestId('event-timeline');
  const folded = timeline.locator('[data-testid="event-group"][data-type="reparented"]');
  if (
    (await folded.count()) > 0 &&
    (await folded.first().getAttribute('aria-expanded')) === 'false'
  ) {
    await press(folded.first());
  }
  const entry = timeline
    .locator(`[data-testid="event"][data-type="reparented"][data-pid="${ev.pid}"]`)
    .first();
  await expect(entry).toBeVisible();

  const state = await snapshot(agent);
  const orphan = state.processes.find((p) => p.pid === ev.pid && p.startTime === ev.startTime);
  expect(orphan, `orphan ${ev.pid} still running`).toBeDefined();
  const o = orphan as Process;
  const parent = state.processes.find((p) => p.pid === o.ppid) as Process;
  expect(parent, `new parent ${o.ppid}`).toBeDefined();
  // The kernel agrees about the new parent, and it is the container's PID 1.
  expect(readStat(o.pid)?.ppid).toBe(parent.pid);
  expect(o.ppid).toBe(ev.newPpid);
  expect(parent.containerId).toBe(id);
  expect(parent.nsPids.at(-1)).toBe(1);

  // Clicking the timeline entry selects the orphan; its details name the new parent.
  await press(entry);
  const details = page.getByTestId('details');
  await expect(details).toContainText(`PID ${o.pid}`);
  await expect(details).toContainText(`${parent.comm} ${parent.pid}`);

  // In the tree: one level below the new parent, to its right, inside the container's group.
  const child = treeitem(page, o);
  const up = treeitem(page, parent);
  await expect(child).toBeVisible();
  await expect(up).toBeAttached();
  const childLevel = Number(await child.getAttribute('aria-level'));
  const parentLevel = Number(await up.getAttribute('aria-level'));
  expect(childLevel).toBe(parentLevel + 1);
  const [cb, pb] = [await child.boundingBox(), await up.boundingBox()];
  expect(cb && pb && cb.x > pb.x).toBe(true);
  await expect.poll(() => drawnInside(child, group)).toBe(true);
});
