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

export const test = base.extend<{ agent: SharedAgent }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
  agent: async ({}, use) => {
    await use(sharedAgent());
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

/** Reads a process's drawn node now, without waiting; null when it is not in the DOM. */
export async function drawnNow(
  page: Page,
  p: Pick<Process, 'pid' | 'startTime'>,
): Promise<DrawnProcess | null> {
  const found = await treeitem(page, p).evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
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
    }),
  );
  return found[0] ?? null;
}

/**
 * Brings a process into view the way a user finds one on a busy host: its PID in the search box,
 * Enter to select the next match and pan to it (again, if churn moved it away meanwhile).
 */
export async function reveal(
  page: Page,
  p: Pick<Process, 'pid' | 'startTime'>,
): Promise<DrawnProcess> {
  const box = page.getByTestId('search');
  await box.fill(String(p.pid));
  let drawn: DrawnProcess | null = null;
  await expect
    .poll(
      async () => {
        drawn = await drawnNow(page, p);
        if (drawn && drawn.width > 0) return true;
        await box.press('Enter');
        return false;
      },
      { message: `process ${p.pid} drawn in the tree`, intervals: [300, 600, 1000] },
    )
    .toBe(true);
  return drawn as unknown as DrawnProcess;
}

/** Every process the search box finds for a PID, as the selections Enter steps through (from the URL). */
export async function searchSelections(
  page: Page,
  pid: number,
): Promise<{ pid: number; startTime: number }[]> {
  const close = page.getByTestId('details').getByRole('button', { name: 'Close' });
  if (await close.count()) await close.click();
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
  await page.getByTestId('fit').click();
  return page.getByTestId(`container-${short(id)}`);
}

/** True when the centre of `item` is drawn inside the box of `group`. */
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
  await demos.getByTestId(`demo-start-${name}`).click();
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

/** Polls the agent until it knows the container (Docker events and scans are asynchronous). */
export async function waitForContainer(agent: Origin, id: string): Promise<Container> {
  let found: Container | undefined;
  await expect
    .poll(async () => {
      found = (await snapshot(agent)).containers.find((c) => c.id === id);
      return found !== undefined;
    })
    .toBe(true);
  return found as Container;
}
