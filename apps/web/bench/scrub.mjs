// Scrubbing benchmark in real Chromium: ten minutes of a synthetic 5,000-process host recorded
// into a real history store (one frame a second, the recorder's keyframe policy), served with the
// built UI; the timeline is dragged to random moments and each drag is timed from the pointer's
// release to the tree drawn for that moment (the page's `pidscope:moment` measure).
// Writes bench/results/scrub.json at the repo root.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HistoryStore, keyframeDue } from '@pidscope/history';
import { diff } from '@pidscope/protocol';
import { launch } from './screenshot.mjs';
import { serveBuilt } from './server.mjs';
import { createSyntheticHost } from './synthetic.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 5000);
const SECONDS = Number(process.env.BENCH_RECORDED_SECONDS ?? 600);
const TRIALS = Number(process.env.BENCH_TRIALS ?? 12);

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const round = (x) => Math.round(x * 10) / 10;

async function record(dir) {
  const host = createSyntheticHost({ processes: PROCESSES });
  const store = HistoryStore.open({
    dir,
    owner: { pid: process.pid, startTime: 0 },
    retentionMs: 86_400_000,
    maxBytes: 512e6,
  });
  const t0 = Date.now() - SECONDS * 1000;
  let prev = host.state();
  await store.appendKeyframe(prev, t0, { start: true });
  for (let s = 1; s <= SECONDS; s++) {
    const at = t0 + s * 1000;
    const next = host.tick();
    const patch = diff(prev, next.state, next.events);
    prev = next.state;
    await store.appendTicks([{ at, patch }], prev);
    if (store.rotationDue()) await store.appendKeyframe(prev, at, { start: false });
    else if (
      keyframeDue(store.sinceKeyframe(), at, { keyframeEveryMs: 300_000, keyframeAfterRatio: 4 })
    ) {
      await store.appendKeyframe(prev, at, { start: false, inPlace: true });
    }
  }
  await store.sync();
  return store;
}

function serve(store) {
  const json = (res, body) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  };
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const q = (name) => Number(url.searchParams.get(name));
    const range = () => ({
      ...store.range(),
      recording: { state: 'recording', reason: null, since: 0 },
    });
    switch (url.pathname) {
      case '/api/v1/history':
        return json(res, range());
      case '/api/v1/history/state': {
        const at = q('at');
        return json(res, { at, ...store.stateAt(at) });
      }
      case '/api/v1/history/series':
        return json(res, store.series(q('from'), q('to'), q('points') || 120));
      case '/api/v1/events': {
        const until = url.searchParams.has('until') ? q('until') : undefined;
        const since = url.searchParams.has('since') ? q('since') : undefined;
        return json(res, {
          now: Date.now(),
          ...store.events({ since, until, limit: q('limit') || 1000 }),
        });
      }
      case '/api/v1/zombies/leaders':
        return json(res, { window: '1h', from: 0, to: 0, leaders: [] });
    }
    serveBuilt(url.pathname, res);
  });
  return new Promise((resolve) =>
    http.listen(0, '127.0.0.1', () =>
      resolve({ http, url: `http://127.0.0.1:${http.address().port}/` }),
    ),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'pidscope-scrub-'));
const store = await record(dir);
const { http, url } = await serve(store);
const browser = await launch();
try {
  const { from, to } = store.range();
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await page.goto(`${url}?at=${Math.round((from + to) / 2)}`);
  await page.getByTestId('timeline-moment').waitFor();
  await page.waitForSelector('[role="treeitem"]', { state: 'attached', timeout: 60_000 });
  const track = page.getByTestId('timeline-track');
  const times = [];
  let x = null;
  for (let i = 0; i < TRIALS; i++) {
    const box = await track.boundingBox();
    const wFrom = Number(await track.getAttribute('data-from'));
    const wTo = Number(await track.getAttribute('data-to'));
    const target = from + ((i + 1) / (TRIALS + 1)) * (to - from) * (i % 2 ? 0.5 : 1);
    const tx = box.x + ((target - wFrom) / (wTo - wFrom)) * box.width;
    const y = box.y + box.height / 2;
    const before = await page.evaluate(
      () => performance.getEntriesByName('pidscope:moment').length,
    );
    x ??= box.x + box.width / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    for (let k = 1; k <= 8; k++) await page.mouse.move(x + ((tx - x) * k) / 8, y);
    await page.mouse.up();
    x = tx;
    const duration = await page.waitForFunction(
      (n) => {
        const all = performance.getEntriesByName('pidscope:moment');
        return all.length > n ? all[all.length - 1].duration : null;
      },
      before,
      { timeout: 30_000, polling: 20 },
    );
    times.push(await duration.jsonValue());
    await page.waitForTimeout(500);
  }
  const rows = [
    {
      metric: 'scrub: pointer released → tree drawn at the new moment, median',
      value: round(quantile(times, 0.5)),
      unit: 'ms',
      target: '≤ 300 ms',
      note: `${TRIALS} drags over ${SECONDS / 60} min recorded of ${PROCESSES} processes; fetch, layout and render`,
    },
    {
      metric: 'scrub: pointer released → tree drawn, p95',
      value: round(quantile(times, 0.95)),
      unit: 'ms',
      target: '≤ 300 ms',
    },
    {
      metric: 'scrub: pointer released → tree drawn, max',
      value: round(Math.max(...times)),
      unit: 'ms',
    },
  ];
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(root, 'bench', 'results', 'scrub.json'),
    `${JSON.stringify({ title: `web: scrubbing the timeline over ${PROCESSES} processes`, rows }, null, 2)}\n`,
  );
  console.log(rows.map((r) => `${r.metric}: ${r.value} ${r.unit}`).join('\n'));
} finally {
  await browser.close();
  http.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
