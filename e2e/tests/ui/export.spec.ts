import { readFileSync } from 'node:fs';
import type { State } from '@pidscope/protocol';
import type { Page } from '@playwright/test';
import { expect, openDashboard, press, reveal, test } from '../../src/fixtures.js';

test.use({ acceptDownloads: true });

async function save(page: Page, kind: string): Promise<{ name: string; bytes: Buffer }> {
  const saved = page.waitForEvent('download');
  await press(page.getByTestId(`export-${kind}`));
  const d = await saved;
  const path = await d.path();
  return { name: d.suggestedFilename(), bytes: readFileSync(path) };
}

/** The processes in view of the tree's pane, by the PID each row shows. */
function pidsInView(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const pane = document.querySelector('.tree-scroll') as HTMLElement;
    const box = pane.getBoundingClientRect();
    return [...document.querySelectorAll('[role="treeitem"]')]
      .filter((e) => {
        const r = e.getBoundingClientRect();
        return (
          r.top >= box.top && r.bottom <= box.bottom && r.left >= box.left && r.left < box.right
        );
      })
      .map((e) => e.getAttribute('data-pid') as string);
  });
}

test('the view exports as SVG (which opens and holds the visible nodes) and PNG, the state as JSON', async ({
  page,
  agent,
  context,
}) => {
  await openDashboard(page, agent);
  await reveal(page, agent);
  const visible = await pidsInView(page);
  expect(visible.length).toBeGreaterThan(3);

  const svg = await save(page, 'svg');
  expect(svg.name).toMatch(/^pidscope-.+-tree-.+\.svg$/);
  const text = svg.bytes.toString('utf8');
  // It opens on its own, with nothing of the page's styles or scripts.
  const viewer = await context.newPage();
  await viewer.setContent(text.replace(/^<\?xml[^>]*>/, ''));
  const drawn = await viewer.evaluate(() => {
    const root = document.querySelector('svg') as SVGSVGElement;
    return {
      width: root.getBoundingClientRect().width,
      pids: [...document.querySelectorAll('[data-pid]')].map((e) => e.getAttribute('data-pid')),
      texts: document.querySelectorAll('text').length,
    };
  });
  expect(drawn.width).toBeGreaterThan(100);
  expect(drawn.texts).toBeGreaterThan(3);
  for (const pid of visible) expect(drawn.pids).toContain(pid);
  await viewer.close();

  const png = await save(page, 'png');
  expect(png.name).toMatch(/\.png$/);
  expect(png.bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
  // IHDR: width and height of the image, as wide as the pane in view.
  expect(png.bytes.readUInt32BE(16)).toBeGreaterThan(100);

  const json = await save(page, 'json');
  const state = JSON.parse(json.bytes.toString('utf8')) as State;
  expect(state.host.hostname).toBeTruthy();
  expect(state.processes.some((p) => p.pid === agent.pid)).toBe(true);
  await expect(page.getByTestId('export-said')).toContainText('Saved pidscope-');
});

test('copy link keeps the host, selection, focus and filters', async ({ page, agent, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: agent.origin });
  await openDashboard(page, agent);
  await reveal(page, agent);
  await page.getByTestId('filter-busiest').check();
  await page.getByTestId('order').selectOption('memory');
  await page.getByRole('tree').focus();
  await page.keyboard.press('f');
  await press(page.getByTestId('export-link'));
  await expect(page.getByTestId('export-said')).toHaveText('Link copied');
  const link = new URL(await page.evaluate(() => navigator.clipboard.readText()));
  expect(link.origin).toBe(agent.origin);
  expect(link.searchParams.get('pid')).toBe(String(agent.pid));
  expect(link.searchParams.get('focus')).toBe(`${agent.pid}:${agent.startTime}`);
  expect(link.searchParams.get('busiest')).toBe('1');
  expect(link.searchParams.get('order')).toBe('memory');
  expect(link.searchParams.has('token')).toBe(false);

  // The link opens the same view in another tab of the same session.
  const other = await context.newPage();
  await other.goto(link.toString());
  await expect(other.getByTestId('connection-status')).toHaveText('live');
  await expect(other.getByTestId('details')).toHaveAttribute(
    'aria-label',
    `Details of node, PID ${agent.pid}`,
  );
  await expect(other.getByTestId('filter-busiest')).toBeChecked();
  await expect(other.getByTestId('order')).toHaveValue('memory');
  await expect(other.getByTestId('focus-chip')).toContainText(`node ${agent.pid}`);
  await other.close();
});
