// A tiny disk budget under real churn: the store never goes over it, and what goes is the oldest.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryRange, HistoryState } from '@pidscope/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, inject } from '../helpers/app.js';

const BUDGET = 64 * 1024;
let churn: ChildProcess | null = null;
let dir: string | null = null;
afterEach(() => {
  if (churn?.pid) process.kill(churn.pid, 'SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function onDisk(history: string): number {
  return readdirSync(history)
    .filter((n) => n.endsWith('.seg'))
    .reduce((sum, n) => sum + statSync(join(history, n)).size, 0);
}

describe('live: retention', () => {
  it('keeps a tiny PIDSCOPE_MAX_DISK during a churn run, dropping the oldest data first', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pidscope-retention-'));
    const history = join(dir, 'history');
    const app = await buildTestApp({
      argv: ['--data-dir', dir, '--max-disk', '64KiB', '--interval-ms', '100'],
    });
    // About a hundred short-lived processes a second.
    churn = spawn(
      'sh',
      ['-c', 'i=0; while :; do i=$((i+1)); sleep 0.$((i % 3 + 1)) & sleep 0.01; done'],
      { stdio: 'ignore' },
    );
    let from = (app.history.range().from as number) ?? 0;
    let drops = 0;
    let maxSeen = 0;
    const deadline = Date.now() + 40_000;
    while (drops < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      const bytes = onDisk(history);
      maxSeen = Math.max(maxSeen, bytes);
      expect(bytes).toBeLessThanOrEqual(BUDGET);
      const range = (await inject(app, '/api/v1/history')).json() as HistoryRange;
      expect(range.bytes).toBeLessThanOrEqual(BUDGET);
      expect(range.from as number).toBeGreaterThanOrEqual(from);
      if ((range.from as number) > from) drops++;
      from = range.from as number;
    }
    expect(drops).toBe(2);
    expect(maxSeen).toBeGreaterThan(BUDGET / 2);
    // What is left replays from its first moment on; what went is gone.
    const first = await inject(app, `/api/v1/history/state?at=${from}`);
    expect(first.statusCode).toBe(200);
    expect((first.json() as HistoryState).recordedAt).toBe(from);
    expect((await inject(app, `/api/v1/history/state?at=${from - 1}`)).statusCode).toBe(404);
  }, 60_000);
});
