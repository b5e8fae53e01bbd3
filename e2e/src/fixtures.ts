// The shared agent (started by globalSetup), a dashboard page on it, and helpers over both.

import type { Container, Event, Process, State } from '@pidscope/protocol';
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { api } from './agent.js';
import { containersWithLabel, DEMO_ID_LABEL, recordDemo } from './docker.js';

export interface SharedAgent {
  origin: string;
  token: string;
  pid: number;
  startTime: number;
  run: string;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is unset: the e2e global setup did not run`);
  return value;
}

export function sharedAgent(): SharedAgent {
  return {
    origin: env('PIDSCOPE_E2E_ORIGIN'),
    token: env('PIDSCOPE_E2E_TOKEN'),
    pid: Number(env('PIDSCOPE_E2E_AGENT_PID')),
    startTime: Number(env('PIDSCOPE_E2E_AGENT_START')),
    run: env('PIDSCOPE_E2E_RUN'),
  };
}

export const test = base.extend<{
  agent: SharedAgent;
  /** Starts a demo from the page's demos panel; every demo started is stopped after the test. */
  startDemo: (name: string) => Promise<StartedDemo>;
  /** Console errors a test causes on purpose (an agent it stops): any other fails the test. */
  expectedConsoleErrors: RegExp[];
  consoleErrors: undefined;
}>({
  expectedConsoleErrors: [[], { option: true }],
  // Every page of every test: an error in the console or an uncaught exception fails the test.
  consoleErrors: [
    async ({ page, expectedConsoleErrors }, use) => {
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() !== 'error') return;
        const text = `${m.text()} (${m.location().url})`;
        if (!expectedConsoleErrors.some((re) => re.test(text))) errors.push(text);
      });
      page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
      await use(undefined);
      expect(errors, 'console errors on the page').toEqual([]);
    },
    { auto: true },
  ],
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
  agent: async ({}, use) => {
    await use(sharedAgent());
  },
  // Every dashboard test runs under the agent's Content-Security-Policy: whatever the page does
  // (tree, layout worker, events, actions, demos), the browser must report no violation of it.
  page: async ({ page }, use) => {
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|unsafe-eval|unsafe-inline/i.test(m.text())) {
        violations.push(`console ${m.type()}: ${m.text()}`);
      }
    });
    await page.exposeFunction('__pidscopeCspViolation', (text: string) => violations.push(text));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        const report = (window as unknown as { __pidscopeCspViolation(t: string): void })
          .__pidscopeCspViolation;
        report(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
      });
    });
    await use(page);
    expect(violations, 'CSP violations on the page').toEqual([]);
  },
  startDemo: async ({ page, agent }, use) => {
    const started: StartedDemo[] = [];
    await use(async (name) => {
      const demo = await startDemoFromUi(page, agent, name);
      started.push(demo);
      return demo;
    });
    for (const demo of started) await stopDemo(agent, demo.demoId);
  },
});
export { expect };

type Origin = Pick<SharedAgent, 'origin' | 'token'>;

export function snapshot(agent: Origin): Promise<State> {
  return api<State>(agent, '/api/v1/snapshot');
}

export async function events(agent: Origin, since: number): Promise<Event[]> {
  const body = await api<Event[] | { events: Event[] }>(agent, `/api/v1/events?since=${since}`);
  return Array.isArray(body) ? body : body.events;
}

/** Opens the dashboard with the token in the URL, as the agent prints it, and waits until live. */
export async function openDashboard(page: Page, agent: Origin, query = ''): Promise<void> {
  await page.goto(`${agent.origin}/?token=${agent.token}${query ? `&${query}` : ''}`);
  await expect(page.getByTestId('connection-status')).toHaveText('live');
}

export function treeitem(page: Page, p: Pick<Process, 'pid' | 'startTime'>): Locator {
  return page.locator(`[role="treeitem"][data-testid="proc-${p.pid}-${p.startTime}"]`);
}

/** What the tree draws for one process, read in one go (rows move as processes come and go). */
export interface DrawnProcess {
  pid: string | null;
  nsPid: string | null;
  zombie: string | null;
  blamed: string | null;
  label: string | null;
  level: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Brings a process into view the way a user finds one on a busy host: its PID in the search box,
 * Enter to select the next match and pan to it. Rows move as other processes come and go, so the
 * node is read the moment it is drawn, and Enter pans to it again when churn moved it away.
 */
export async function reveal(
  page: Page,
  p: Pick<Process, 'pid' | 'startTime'>,
): Promise<DrawnProcess> {
  const box = page.getByTestId('search');
  await box.fill(String(p.pid));
  const selector = `[role="treeitem"][data-testid="proc-${p.pid}-${p.startTime}"]`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    await box.press('Enter');
    try {
      const found = await page.waitForFunction(
        (sel) => {
          const e = document.querySelector(sel);
          if (!e) return null;
          const r = e.getBoundingClientRect();
          if (r.width === 0) return null;
          return {
            pid: e.getAttribute('data-pid'),
            nsPid: e.getAttribute('data-ns-pid'),
            zombie: e.getAttribute('data-zombie'),
            blamed: e.getAttribute('data-blamed'),
            label: e.getAttribute('aria-label'),
            level: Number(e.getAttribute('aria-level')),
            x: r.x,
            y: r.y,
            width: r.width,
            height: r.height,
          };
        },
        selector,
        { timeout: 3_000 },
      );
      return (await found.jsonValue()) as DrawnProcess;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`process ${p.pid} was never drawn: ${err}`);
    }
  }
}

/**
 * Clicks a panel button once it is visible and enabled. The click is dispatched to the element:
 * on this shared 2-core machine a 3,000-process tree can keep Chromium's frames so late that
 * Playwright's "stable for two frames" check never settles, which is not what these tests are about.
 */
export async function press(button: Locator): Promise<void> {
  await expect(button).toBeVisible();
  await expect(button).toBeEnabled();
  await button.dispatchEvent('click');
}

/** Every process the search box finds for a PID, as the selections Enter steps through (from the URL). */
export async function searchSelections(
  page: Page,
  pid: number,
): Promise<{ pid: number; startTime: number }[]> {
  const close = page.getByTestId('details').getByRole('button', { name: 'Close' });
  if (await close.count()) await press(close);
  await expect.poll(() => new URL(page.url()).searchParams.has('start')).toBe(false);
  const box = page.getByTestId('search');
  await box.fill('');
  await box.fill(String(pid));
  const count = Number.parseInt((await page.getByTestId('match-count').textContent()) ?? '0', 10);
  const found: { pid: number; startTime: number }[] = [];
  for (let i = 0; i < count; i++) {
    const before = page.url();
    await box.press('Enter');
    await expect.poll(() => page.url()).not.toBe(before);
    const url = new URL(page.url());
    found.push({
      pid: Number(url.searchParams.get('pid')),
      startTime: Number(url.searchParams.get('start')),
    });
  }
  return found;
}

/** Narrows the tree to one container (and its ancestors) with the toolbar filter, then fits it. */
export async function showContainer(page: Page, id: string): Promise<Locator> {
  const filter = page.getByTestId('filter-container');
  await expect(filter.locator(`option[value="${id}"]`)).toBeAttached();
  await filter.selectOption(id);
  await press(page.getByTestId('fit'));
  return page.getByTestId(`container-${short(id)}`);
}

/**
 * True when the centre of `item` is drawn inside the box of `group`. Rows glide to a new place
 * when rows above them come or go while a box is drawn at its new place at once: ask it through
 * `expect.poll` on a host where other processes come and go.
 */
export async function drawnInside(item: Locator, group: Locator): Promise<boolean> {
  const a = await item.boundingBox({ timeout: 5_000 });
  const b = await group.boundingBox({ timeout: 5_000 });
  if (!a || !b) return false;
  const cx = a.x + a.width / 2;
  const cy = a.y + a.height / 2;
  return cx >= b.x && cx <= b.x + b.width && cy >= b.y && cy <= b.y + b.height;
}

export function short(id: string): string {
  return id.slice(0, 12);
}

export interface StartedDemo {
  demoId: string;
  containerIds: string[];
}

/** Clicks a demo's start button in the demos panel and returns the demo's id and its containers. */
export async function startDemoFromUi(
  page: Page,
  agent: SharedAgent,
  name: string,
): Promise<StartedDemo> {
  const demos = page.getByTestId('demos');
  const answer = page.waitForResponse(
    (r) => r.request().method() === 'POST' && r.url().includes(`/api/v1/demos/${name}`),
  );
  await press(demos.getByTestId(`demo-start-${name}`));
  const res = await answer;
  expect(res.status(), await res.text()).toBeLessThan(300);
  const { id } = (await res.json()) as { id: string };
  recordDemo(agent.run, id);
  let containerIds: string[] = [];
  await expect
    .poll(() => {
      containerIds = containersWithLabel(DEMO_ID_LABEL, id);
      return containerIds.length;
    })
    .toBeGreaterThan(0);
  return { demoId: id, containerIds };
}

export async function stopDemo(agent: SharedAgent, demoId: string): Promise<void> {
  await fetch(`${agent.origin}/api/v1/demos/${encodeURIComponent(demoId)}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${agent.token}` },
  });
}

/**
 * Polls the agent (Docker events and scans are asynchronous) until it shows the container and
 * `ready` holds for it. A container can be seen from its processes a scan before its cgroup and
 * Docker's inspect data are joined to it, so a test that needs those fields waits for them here.
 */
export async function waitForContainer(
  agent: Origin,
  id: string,
  ready: (c: Container) => boolean = () => true,
): Promise<Container> {
  let found: Container | undefined;
  await expect
    .poll(async () => {
      found = (await snapshot(agent)).containers.find((c) => c.id === id);
      return found !== undefined && ready(found);
    })
    .toBe(true);
  return found as Container;
}
