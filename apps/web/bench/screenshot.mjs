// Screenshots of the dashboard in real Chromium, to look at what people see:
//   node apps/web/bench/screenshot.mjs <url> <out.png> [--select <pid>] [--width 1600 --height 1000]
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

if (process.argv[1]?.endsWith('screenshot.mjs')) {
  const [url, out] = process.argv.slice(2);
  const arg = (name) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const browser = await launch();
  const page = await browser.newPage({
    viewport: { width: Number(arg('width') ?? 1600), height: Number(arg('height') ?? 1000) },
  });
  page.on('console', (m) => console.log(`[page] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  await page.goto(url);
  await page.waitForSelector('[role="treeitem"]', { timeout: 20_000, state: 'attached' });
  const sel = arg('select');
  if (sel) await page.locator(`[role="treeitem"][data-pid="${sel}"]`).first().click();
  const wait = Number(arg('wait') ?? 1500);
  await page.waitForTimeout(wait);
  await page.screenshot({ path: out });
  console.log(`status: ${await page.getByTestId('connection-status').textContent()}`);
  await browser.close();
}
