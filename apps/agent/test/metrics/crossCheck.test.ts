import { afterAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.js';
import { type Listening, startOnFreePort } from '../helpers/exporter.js';
import { type Family, parseExposition } from '../helpers/exposition.js';

let nodeExporter: Listening | null = null;
afterAll(() => nodeExporter?.stop());

const value = (families: Map<string, Family>, name: string): number => {
  const sample = families.get(name)?.samples[0];
  if (!sample) throw new Error(`${name} not served`);
  return sample.value;
};

describe('pidscope_host_* against node_exporter on the same host', () => {
  it('agrees on pid_max and threads-max, and its forks fall between two node_exporter reads', async () => {
    // Debian's node_exporter (installed with prometheus), with only the collectors compared.
    nodeExporter = await startOnFreePort('prometheus-node-exporter', [
      '--collector.disable-defaults',
      '--collector.processes',
      '--collector.stat',
    ]);
    const app = await buildTestApp();
    const node = async () =>
      parseExposition(await (await fetch(`${nodeExporter?.url}/metrics`)).text());
    const before = await node();
    const ours = parseExposition((await app.inject('/metrics')).body);
    const after = await node();

    expect(value(ours, 'pidscope_host_pid_max')).toBe(
      value(before, 'node_processes_max_processes'),
    );
    expect(value(ours, 'pidscope_host_threads_max')).toBe(
      value(before, 'node_processes_max_threads'),
    );
    const forks = value(ours, 'pidscope_host_forks_total');
    expect(forks).toBeGreaterThanOrEqual(value(before, 'node_forks_total'));
    expect(forks).toBeLessThanOrEqual(value(after, 'node_forks_total'));
  });
});
