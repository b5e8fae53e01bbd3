import { containersWithLabel, DEMO_ID_LABEL } from '../../src/docker.js';
import {
  expect,
  openDashboard,
  press,
  short,
  snapshot,
  test,
  waitForContainer,
} from '../../src/fixtures.js';

test("pid-exhaustion turns that container's headroom red", async ({ page, agent, startDemo }) => {
  await openDashboard(page, agent);
  const demo = await startDemo('pid-exhaustion');
  const id = demo.containerIds[0] as string;
  const container = await waitForContainer(agent, id, (c) => c.pidsMax !== null);
  expect(container.pidsMax).toBeGreaterThan(0);

  const card = page.getByTestId(`headroom-container-${short(id)}`);
  await expect(card).toBeVisible();
  await expect(card).toHaveAttribute('data-level', 'red', { timeout: 30_000 });
  // Red because the container really is at its limit: fork failures counted by the kernel.
  await expect
    .poll(async () => (await snapshot(agent)).containers.find((c) => c.id === id)?.forkFailures)
    .toBeGreaterThan(0);

  // Trouble first: the red card goes to that container in the tree.
  await press(card.getByTestId('headroom-go'));
  await expect.poll(() => new URL(page.url()).searchParams.get('pid')).not.toBeNull();
  const pid = Number(new URL(page.url()).searchParams.get('pid'));
  const chosen = (await snapshot(agent)).processes.find((p) => p.pid === pid);
  expect(chosen?.containerId).toBe(id);
  await expect(page.getByTestId('details')).toHaveAttribute(
    'aria-label',
    new RegExp(`PID ${pid}$`),
  );

  // The demos panel stops it: the container is removed.
  await press(page.getByTestId('demos').getByTestId('demo-stop-pid-exhaustion'));
  await expect.poll(() => containersWithLabel(DEMO_ID_LABEL, demo.demoId).length).toBe(0);
  await expect(card).toHaveCount(0);
});
