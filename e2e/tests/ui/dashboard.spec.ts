import { expect, openDashboard, reveal, test } from '../../src/fixtures.js';
import { startTimeOf } from '../../src/proc.js';

test('the dashboard opens live and draws the host tree with the agent itself in it', async ({
  page,
  agent,
}) => {
  await openDashboard(page, agent);
  // The agent traded the token for a session cookie and sent the page on without it: it is in
  // neither the address bar nor the page's storage, and the cookie is out of scripts' reach.
  expect(new URL(page.url()).searchParams.has('token')).toBe(false);
  const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }));
  expect(stored).not.toContain(agent.token);
  const [cookie, ...others] = await page.context().cookies();
  expect(others).toEqual([]);
  expect(cookie).toMatchObject({
    name: 'pidscope_session',
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
  });
  expect(cookie?.value).not.toContain(agent.token);

  const self = await reveal(page, agent);
  expect(self.pid).toBe(String(agent.pid));
  expect(self.label).toMatch(new RegExp(`^node, PID ${agent.pid}\\b`));
  expect(self.zombie).toBeNull();
  await expect(page.getByTestId('details')).toHaveAttribute(
    'aria-label',
    `Details of node, PID ${agent.pid}`,
  );

  // The host's PID 1 is drawn as well, and the host headroom is shown.
  const init = await reveal(page, { pid: 1, startTime: startTimeOf(1) });
  expect(init.label).toMatch(/, PID 1\b/);
  await expect(page.getByTestId('headroom-host')).toBeVisible();
  await expect(page.getByTestId('headroom-host')).toHaveAttribute('data-level', /^(ok|amber|red)$/);
});
