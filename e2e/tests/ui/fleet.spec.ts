// The fleet through a real hub over three real agents: the overview's cards, a host's tree
// through the hub, and a card that turns down when its agent stops.
import { expect, test } from '@playwright/test';
import { type Agent, newToken, startAgent } from '../../src/agent.js';
import { reveal } from '../../src/fixtures.js';

const agentToken = newToken();
const agents: Agent[] = [];
let hub: Agent;

test.beforeAll(async () => {
  // Slower scans than the dashboard tests': three agents share this machine's two cores.
  for (const name of ['fleet-a', 'fleet-b', 'fleet-c']) {
    agents.push(await startAgent({ name, token: agentToken, intervalMs: 2000 }));
  }
  hub = await startAgent({
    name: 'fleet-hub',
    hub: { agents: agents.map((a) => a.origin).join(','), agentToken },
  });
});

test.afterAll(async () => {
  await hub?.stop();
  for (const a of agents) await a.stop();
});

const idOf = (a: Agent) => `127.0.0.1-${a.port}`;

test('the fleet overview shows three hosts; one opens its tree; a stopped agent turns its card down', async ({
  page,
}) => {
  await page.goto(`${hub.origin}/?token=${hub.token}`);
  for (const a of agents) {
    await expect(page.getByTestId(`host-card-${idOf(a)}`)).toHaveAttribute('data-status', 'up');
  }
  await expect(page.getByTestId('fleet-summary')).toContainText('3 up');

  // A host's tree, through the hub: the agent's own process is in it.
  const [first, , third] = agents as [Agent, Agent, Agent];
  await page.getByTestId(`host-card-${idOf(first)}`).click();
  await expect(page).toHaveURL(new RegExp(`[?&]host=${idOf(first).replace(/\./g, '\\.')}`));
  await expect(page.getByTestId('connection-status')).toHaveText('live');
  const drawn = await reveal(page, first);
  expect(drawn.pid).toBe(String(first.pid));
  await expect(page.getByTestId('host-switcher')).toHaveValue(idOf(first));

  // Back to the overview through the switcher; stop one agent: its card turns down.
  await page.getByTestId('host-switcher').selectOption('');
  await expect(page.getByTestId('host-cards')).toBeVisible();
  await third.stop();
  const card = page.getByTestId(`host-card-${idOf(third)}`);
  await expect(card).toHaveAttribute('data-status', 'down');
  await expect(card.getByTestId('host-down-for')).toContainText('down for');
  // Down hosts come first.
  await expect(page.getByTestId('host-cards').getByRole('button').first()).toHaveAttribute(
    'data-testid',
    `host-card-${idOf(third)}`,
  );
  await expect(page.getByTestId('fleet-summary')).toContainText('2 up');
});
