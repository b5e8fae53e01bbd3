import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, waitFor } from '../helpers/app.js';
import { TestContainers } from '../helpers/containers.js';
import { parseExposition } from '../helpers/exposition.js';

const README = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');

interface Row {
  type: string;
  labels: string[];
}

/** The metric tables of the README's "### Metrics" section: name → type and label names. */
function readmeTables(): Map<string, Row> {
  const start = README.indexOf('\n### Metrics\n');
  const end = README.indexOf('\n### ', start + 1);
  expect(start).toBeGreaterThan(0);
  const rows = new Map<string, Row>();
  for (const line of README.slice(start, end).split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const name = /^`([a-z][a-z0-9_:]*)`$/.exec(cells[1] ?? '')?.[1];
    if (!name) continue;
    expect(rows.has(name), `${name} listed twice`).toBe(false);
    const labels = cells[3] === '—' ? [] : [...(cells[3] ?? '').matchAll(/`([a-z_]+)`/g)];
    rows.set(name, {
      type: cells[2] as string,
      labels: labels.map((l) => (typeof l === 'string' ? l : (l[1] as string))).sort(),
    });
  }
  return rows;
}

const containers = new TestContainers();
beforeAll(() => containers.removeAll());
afterAll(() => containers.removeAll());

describe('the README metrics tables', () => {
  it('list exactly the families, types and label sets a live agent serves', async () => {
    const app = await buildTestApp();
    // Every per-container family has a series: a pids limit, and a PID 1 (`sleep`) that
    // never reaps the orphans a loop leaves it.
    const { id } = await containers.run(
      ['sh', '-c', '(while true; do (sleep 1 &); sleep 2; done) & exec sleep 600'],
      { pidsLimit: 16 },
    );
    const text = await waitFor(async () => {
      // Garbage, so that the GC histogram has a sample to show its labels.
      Array.from({ length: 2e5 }, (_, i) => ({ i }));
      const body = (await app.inject('/metrics')).body;
      return body.includes(`pidscope_zombies_created_total{container_id="${id}"`) &&
        /^nodejs_gc_duration_seconds_count\{/m.test(body)
        ? body
        : undefined;
    }, 'a zombie of the test container and a GC on /metrics');

    const served = parseExposition(text);
    const documented = readmeTables();
    expect([...served.keys()].sort()).toEqual([...documented.keys()].sort());
    for (const [name, family] of served) {
      const row = documented.get(name) as Row;
      expect(family.type, name).toBe(row.type);
      // Every pidscope family has a series here but the time to full, which has one only while
      // something fills up (test/live/eta.test.ts reads it then); of the Node ones,
      // nodejs_active_requests has none while no libuv request is pending.
      if (name.startsWith('pidscope_') && name !== 'pidscope_pid_exhaustion_eta_seconds') {
        expect(family.samples.length, `${name} has a sample`).toBeGreaterThan(0);
      }
      for (const s of family.samples) {
        const keys = Object.keys(s.labels).filter(
          (k) => !(family.type === 'histogram' && k === 'le'),
        );
        expect(keys.sort(), `labels of ${s.name}`).toEqual(row.labels);
      }
    }
    const limit = served
      .get('pidscope_container_pids_limit')
      ?.samples.find((s) => s.labels.container_id === id);
    expect(limit?.value).toBe(16);
    expect(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe(
      '',
    );
  });
});
