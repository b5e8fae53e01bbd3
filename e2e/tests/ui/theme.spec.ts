import { axeViolations } from '../../src/axe.js';
import { expect, openDashboard, test } from '../../src/fixtures.js';

/** Relative luminance (WCAG) of a CSS `rgb(…)` colour. */
function luminance(css: string): number {
  const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

const background = (page: import('@playwright/test').Page) =>
  page.evaluate(() => getComputedStyle(document.body).backgroundColor);

for (const scheme of ['light', 'dark'] as const) {
  test(`the ${scheme} scheme renders ${scheme} and passes axe's WCAG 2 AA checks`, async ({
    page,
    agent,
  }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await openDashboard(page, agent);
    await expect(page.getByRole('tree')).toBeVisible();
    const lum = luminance(await background(page));
    if (scheme === 'light') expect(lum).toBeGreaterThan(0.8);
    else expect(lum).toBeLessThan(0.05);
    // A process selected too, so the details panel and its actions are checked as well. The
    // rows come from the layout worker after the tree is drawn: Enter needs one to select.
    await expect(page.getByRole('treeitem').first()).toBeVisible();
    await page.getByRole('tree').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('details')).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
  });
}

test('the theme toggle overrides the system scheme and is remembered', async ({ page, agent }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await openDashboard(page, agent);
  expect(luminance(await background(page))).toBeLessThan(0.05);
  await page.getByTestId('theme-toggle').click();
  expect(luminance(await background(page))).toBeGreaterThan(0.8);
  await page.reload();
  await expect(page.getByTestId('connection-status')).toHaveText('live');
  expect(luminance(await background(page))).toBeGreaterThan(0.8);
  await expect(page.getByTestId('theme-toggle')).toHaveAccessibleName('Use the dark theme');
});

test('the page has an icon: served, and no request of the page fails', async ({ page, agent }) => {
  const failed: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  await openDashboard(page, agent);
  const href = await page.locator('link[rel="icon"]').getAttribute('href');
  expect(href).toBe('/favicon.svg');
  for (const path of ['/favicon.svg', '/favicon.ico']) {
    const res = await page.request.get(`${agent.origin}${path}`);
    expect(res.status(), path).toBe(200);
    expect(res.headers()['content-type'], path).toMatch(/^image\//);
  }
  expect(failed).toEqual([]);
});
