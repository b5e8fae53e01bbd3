// Scale benchmark in real Chromium: the built dashboard on a big Kubernetes node of 5,000 and of
// 20,000 processes, side by side (synthetic.mjs, KUBERNETES: pods, wide, deep and plain
// containers, zombies; each second 5 % of the processes move their CPU and 5 % their memory by
// steps past the agent's deadbands, and 0.25 % exit and are replaced).
// For each size: the first render, from navigation to the tree on screen (the page's
// `pidscope:tree-drawn` mark), the median of first visits (a new browser context each, nothing
// cached) and of reloads; then the frames of that page while 1 Hz patches land, against the same page and socket
// while patches that change nothing land, and against a blank page measured first in this run.
// A frame is late when it comes more than 1.5 frame times after the one before.
// Writes bench/results/web-scale.json at the repo root and prints the sizes side by side.
//   BENCH_SIZES=5000,20000 BENCH_SECONDS=30 BENCH_LOADS=3 node apps/web/bench/scale.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFrames, stopFrames } from './frameCounter.mjs';
import { frameStats, LATE_MS, mergeFrames } from './frames.mjs';
import { launch } from './screenshot.mjs';
import { startServer } from './server.mjs';
import { KUBERNETES } from './synthetic.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const SIZES = (process.env.BENCH_SIZES ?? '5000,20000').split(',').map(Number);
/** Seconds of each condition: the blank page, empty patches, patches (one a second). */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const LOADS = Number(process.env.BENCH_LOADS ?? 3);
const VIEWPORT = { width: 1600, height: 1000 };

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const count = (n) => n.toLocaleString('en-US');

/**
 * Navigation to the first tree on screen, and the steps on the way: in a fresh context (a first
 * visit: nothing cached, every script compiled anew), then reloaded (scripts cached).
 */
async function firstRender(browser, url) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await page.goto(url);
  const cold = await drawn(page);
  await page.reload();
  const warm = await drawn(page);
  return { page, context, ...cold, reloaded: warm.drawn };
}

async function drawn(page) {
  await page.waitForFunction(
    () => performance.getEntriesByName('pidscope:tree-drawn').length > 0,
    null,
    { timeout: 120_000 },
  );
  return page.evaluate(() => {
    const snapshot = performance.getEntriesByName('pidscope:snapshot')[0];
    // The step's longest measure between the snapshot's arrival and its tree: the empty page's
    // own layout can come back in that time too.
    const end = snapshot.startTime + snapshot.duration;
    const step = (name) => {
      const xs = performance
        .getEntriesByName(name)
        .filter((m) => m.startTime >= snapshot.startTime && m.startTime <= end)
        .map((m) => m.duration);
      return xs.length ? Math.max(...xs) : Number.NaN;
    };
    const svg = document.querySelector('svg[role="tree"]');
    return {
      drawn: performance.getEntriesByName('pidscope:tree-drawn')[0].startTime,
      arrived: snapshot.startTime,
      toCommit: snapshot.duration,
      parse: step('pidscope:parse'),
      layoutInput: step('pidscope:layout-input'),
      layoutWalk: step('pidscope:layout-walk'),
      rows: Number(svg?.getAttribute('data-total')),
      inDom: Number(svg?.getAttribute('data-drawn')),
    };
  });
}

/** Frames and main-thread time over `SECONDS` ticks of the server (made beforehand). */
async function frames(page, cdp, server, { quiet }) {
  const busy = async () =>
    (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
  const from = await page.evaluate(() => performance.now());
  const busyBefore = await busy();
  await startFrames(page);
  const bytes = [];
  const changed = [];
  for (let i = 0; i < SECONDS; i++) {
    bytes.push(server.tick());
    changed.push(server.lastChanged());
    await page.waitForTimeout(1000);
  }
  const recorded = await stopFrames(page);
  const busyMs = ((await busy()) - busyBefore) * 1000;
  const to = await page.evaluate(() => performance.now());
  const patchMs = quiet
    ? []
    : await page.evaluate(
        ({ from, to }) =>
          performance
            .getEntriesByName('pidscope:patch')
            .filter((m) => m.startTime >= from && m.startTime < to)
            .map((m) => m.duration),
        { from, to },
      );
  return {
    stats: mergeFrames([frameStats(recorded.times)]),
    longTasks: recorded.longTasks,
    busyPerSecond: busyMs / SECONDS,
    bytes,
    changed,
    patchMs,
  };
}

const browser = await launch();
const results = [];
let blank;
try {
  // The browser alone, first: what this machine's Chromium does with no page work at all.
  {
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.setContent('<!doctype html><title>blank</title><body style="background:#0f1419">');
    await page.waitForTimeout(2000);
    await startFrames(page);
    await page.waitForTimeout(SECONDS * 1000);
    const recorded = await stopFrames(page);
    blank = { stats: mergeFrames([frameStats(recorded.times)]), longTasks: recorded.longTasks };
    console.log('blank page', JSON.stringify(blank.stats));
    await page.close();
  }

  for (const processes of SIZES) {
    const server = await startServer({ processes, tickMs: 0, shape: 'kubernetes' });
    try {
      const loads = [];
      let kept = null;
      for (let i = 0; i < LOADS; i++) {
        const load = await firstRender(browser, server.url);
        console.log(
          `${count(processes)}: load ${i + 1}`,
          JSON.stringify({ ...load, page: undefined, context: undefined }),
        );
        loads.push(load);
        if (kept) await kept.context.close();
        kept = load;
      }
      const { page } = kept;
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      // Every patch is made now, before frames are counted: a tick and diff of 20,000 processes
      // (100-200 ms) would otherwise take a core from the browser just as its patch lands.
      server.prepare(SECONDS, { quiet: true });
      server.prepare(SECONDS);
      await page.waitForTimeout(3000);
      const empty = await frames(page, cdp, server, { quiet: true });
      console.log(`${count(processes)}: empty patches`, JSON.stringify(empty.stats));
      const patches = await frames(page, cdp, server, { quiet: false });
      console.log(`${count(processes)}: patches`, JSON.stringify(patches.stats));
      const median = (k) =>
        quantile(
          loads.map((l) => l[k]),
          0.5,
        );
      results.push({
        processes,
        first: {
          drawn: median('drawn'),
          all: loads.map((l) => round(l.drawn)),
          reloaded: median('reloaded'),
          allReloaded: loads.map((l) => round(l.reloaded)),
          arrived: median('arrived'),
          toCommit: median('toCommit'),
          parse: median('parse'),
          layoutInput: median('layoutInput'),
          layoutWalk: median('layoutWalk'),
          rows: kept.rows,
          inDom: kept.inDom,
        },
        snapshotBytes: server.snapshotBytes(),
        empty,
        patches,
      });
      await kept.context.close();
    } finally {
      await server.close();
    }
  }
} finally {
  await browser.close();
}

// One row per metric and size, in the bench result format; the console gets them side by side.
const metrics = [
  {
    metric: 'first render: navigation → tree on screen (median)',
    unit: 'ms',
    target: '< 1000',
    value: (r) => r.first.drawn,
    note: (r) =>
      `${LOADS} first visits (a fresh browser context each): ${r.first.all.join(', ')} ms; ${count(r.first.rows)} rows laid out, ${r.first.inDom} in the DOM`,
  },
  {
    metric: 'first render after a reload: navigation → tree on screen (median)',
    unit: 'ms',
    target: '< 1000',
    value: (r) => r.first.reloaded,
    note: (r) => `scripts cached: ${r.first.allReloaded.join(', ')} ms`,
  },
  {
    metric: '… navigation → snapshot message arrived',
    unit: 'ms',
    value: (r) => r.first.arrived,
    note: (r) => `page, script, socket and a ${round(r.snapshotBytes / 1024)} KiB snapshot`,
  },
  {
    metric: '… snapshot message → tree committed',
    unit: 'ms',
    value: (r) => r.first.toCommit,
    note: (r) =>
      `parse + validate ${round(r.first.parse)} ms, layout input ${round(r.first.layoutInput)} ms, layout walk (worker) ${round(r.first.layoutWalk)} ms, React`,
  },
  {
    metric: 'processes changed per patch (median)',
    unit: 'processes',
    value: (r) =>
      quantile(
        r.patches.changed.map((c) => c.updated),
        0.5,
      ),
    note: (r) =>
      `plus ${quantile(
        r.patches.changed.map((c) => c.added),
        0.5,
      )} started and ${quantile(
        r.patches.changed.map((c) => c.removed),
        0.5,
      )} exited; ${round(quantile(r.patches.bytes, 0.5) / 1024)} KiB on the wire`,
  },
  {
    metric: 'patch: message → its tree committed (median)',
    unit: 'ms',
    value: (r) => quantile(r.patches.patchMs, 0.5),
    note: (r) =>
      `p95 ${round(quantile(r.patches.patchMs, 0.95))} ms, ${r.patches.patchMs.length} patches`,
  },
  {
    metric: 'main-thread busy per second while patches land',
    unit: 'ms',
    value: (r) => r.patches.busyPerSecond,
    note: (r) =>
      `${round(r.empty.busyPerSecond)} ms while empty patches land (Chromium TaskDuration, wall time)`,
  },
  {
    metric: `late frames (gap > ${round(LATE_MS)} ms) while patches land`,
    unit: 'per minute',
    target: '≤ blank page',
    value: (r) => r.patches.stats.latePerMinute,
    note: (r) =>
      `${r.patches.stats.late} in ${round(r.patches.stats.span)} s; empty patches ${r.empty.stats.late}, blank page ${blank.stats.late} in ${round(blank.stats.span)} s; worst gap ${round(r.patches.stats.worstGap)} ms`,
  },
  {
    metric: 'dropped frames while patches land',
    unit: 'per minute',
    target: '≤ blank page',
    value: (r) => r.patches.stats.droppedPerMinute,
    note: (r) =>
      `${r.patches.stats.dropped} vsyncs missed; empty patches ${r.empty.stats.dropped}, blank page ${blank.stats.dropped}; fewest frames in a second ${r.patches.stats.worstSecond} (blank ${blank.stats.worstSecond})`,
  },
  {
    metric: 'long tasks (> 50 ms) while patches land',
    unit: 'count',
    target: '0',
    value: (r) => r.patches.longTasks.length,
    note: (r) =>
      r.patches.longTasks.length
        ? `longest ${round(Math.max(...r.patches.longTasks))} ms; empty patches ${r.empty.longTasks.length}`
        : `empty patches ${r.empty.longTasks.length}`,
  },
];

const rows = [];
for (const m of metrics) {
  for (const r of results) {
    rows.push({
      metric: `${m.metric}, ${count(r.processes)} processes`,
      value: round(m.value(r), 2),
      unit: m.unit,
      ...(m.target ? { target: m.target } : {}),
      note: m.note(r),
    });
  }
}
rows.push(
  {
    metric: 'late frames on a blank page (the browser alone)',
    value: round(blank.stats.latePerMinute, 2),
    unit: 'per minute',
    note: `${blank.stats.late} in ${round(blank.stats.span)} s, ${blank.stats.dropped} vsyncs missed, measured first in this run`,
  },
  {
    metric: 'machine load average (1 min) at the end',
    value: round(loadavg()[0], 2),
    unit: 'load',
    note: 'Chromium --disable-gpu (software raster); wall-time numbers grow when the machine is shared',
  },
);
const title =
  `Web UI at ${SIZES.map(count).join(' and ')} processes (a Kubernetes node; 1 Hz patches: ` +
  `${KUBERNETES.cpuShare * 100} % CPU and ${KUBERNETES.rssShare * 100} % memory moves, ` +
  `${KUBERNETES.churnShare * 100} % churn; ${SECONDS} s per condition)`;
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'results', 'web-scale.json'),
  `${JSON.stringify({ title, rows }, null, 2)}\n`,
);

const pad = (s, n) => String(s).padEnd(n);
const lines = [
  `${pad('metric', 76)}${results.map((r) => pad(count(r.processes), 12)).join('')}${pad('blank page', 12)}target`,
];
for (const m of metrics) {
  const blankCell =
    m.unit === 'per minute'
      ? round(
          m.metric.startsWith('late') ? blank.stats.latePerMinute : blank.stats.droppedPerMinute,
          2,
        )
      : '';
  lines.push(
    `${pad(`${m.metric} (${m.unit})`, 76)}${results.map((r) => pad(round(m.value(r), 2), 12)).join('')}${pad(blankCell, 12)}${m.target ?? ''}`,
  );
}
console.log(`\n${title}\n${lines.join('\n')}`);
