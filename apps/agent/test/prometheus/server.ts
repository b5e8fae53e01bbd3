import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { waitFor } from '../helpers/app.js';
import { startOnFreePort } from '../helpers/exporter.js';
import { type RuleFile, readRules } from './rules.js';

export interface TestPrometheus {
  url: string;
  pid: number;
  /** Prometheus's own log so far (stderr), for failure messages. */
  log(): string;
  query<T = unknown>(path: string): Promise<T>;
  stop(): Promise<void>;
}

/** The shipped rules with every `for` cut to `forDuration`, so a live test sees alerts fire soon. */
export function shortRules(forDuration: string): RuleFile {
  const file = readRules();
  return {
    groups: file.groups.map((g) => ({
      ...g,
      rules: g.rules.map((r) => (r.for ? { ...r, for: forDuration } : r)),
    })),
  };
}

/** A scrape job: an agent's host:port, and the token to send as a bearer, if any. */
export interface ScrapeJob {
  job: string;
  target: string;
  token?: string;
}

/**
 * Debian's Prometheus on 127.0.0.1 (a port the kernel picks, a temporary data directory),
 * scraping `jobs` and evaluating `rules` every second. Stopped by its PID.
 */
export async function startPrometheus(jobs: ScrapeJob[], rules: RuleFile): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'pidscope-prometheus-'));
  writeFileSync(join(dir, 'pidscope.rules.yml'), stringify(rules));
  const scrapeConfigs = jobs.map(({ job, target, token }) => {
    // As the README shows it: the token in a file Prometheus reads, sent as a bearer.
    if (token) writeFileSync(join(dir, `${job}.token`), token, { mode: 0o600 });
    return {
      job_name: job,
      ...(token ? { authorization: { credentials_file: join(dir, `${job}.token`) } } : {}),
      static_configs: [{ targets: [target] }],
    };
  });
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ['pidscope.rules.yml'],
      scrape_configs: scrapeConfigs,
    }),
  );
  const server = await startOnFreePort('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
  ]).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const { url } = server;
  const stop = async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        try {
          return (await fetch(`${url}/-/ready`)).ok;
        } catch {
          return false;
        }
      },
      'Prometheus ready',
      30_000,
      200,
    );
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url,
    pid: server.pid,
    log: server.log,
    async query<T>(path: string): Promise<T> {
      const res = await fetch(`${url}${path}`);
      const body = (await res.json()) as { status: string; data: T; error?: string };
      if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? res.status}`);
      return body.data;
    },
    stop,
  };
}
