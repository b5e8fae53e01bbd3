// CPU profile of the dashboard while patches land (Chromium's sampling profiler over CDP):
//   node apps/web/bench/profile.mjs [patches] — prints the functions with the most self time.
// Build unminified first for readable names: npx vite build --minify false (in apps/web).
import { launch } from './screenshot.mjs';
import { startServer } from './server.mjs';

const PATCHES = Number(process.argv[2] ?? 10);
const server = await startServer({
  processes: Number(process.env.BENCH_PROCESSES ?? 5000),
  tickMs: 0,
});
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const cdp = await page.context().newCDPSession(page);
  await page.goto(server.url);
  await page.waitForFunction(
    () => performance.getEntriesByName('pidscope:snapshot').length > 0,
    null,
    {
      timeout: 60_000,
    },
  );
  await page.waitForTimeout(2000);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  for (let i = 0; i < PATCHES; i++) {
    server.tick();
    await page.waitForTimeout(1000);
  }
  const { profile } = await cdp.send('Profiler.stop');
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas;
  let total = 0;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    const f = n.callFrame;
    const name = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    const d = (dt[i] ?? 0) / 1000;
    if (f.functionName !== '(idle)' && f.functionName !== '(program)') total += d;
    self.set(name, (self.get(name) ?? 0) + d);
  });
  const patch = await page.evaluate(() =>
    performance.getEntriesByName('pidscope:patch').map((m) => Math.round(m.duration)),
  );
  console.log(`patch ms: ${patch.join(' ')}`);
  console.log(`busy ms per patch: ${(total / PATCHES).toFixed(1)}`);
  for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
    console.log(`${(ms / PATCHES).toFixed(2).padStart(8)} ms/patch  ${name}`);
  }
} finally {
  await browser.close();
  await server.close();
}
