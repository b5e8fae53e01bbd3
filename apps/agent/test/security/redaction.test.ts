import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Patch, Process, State } from '@pidscope/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, inject, injectWS, waitFor } from '../helpers/app.js';
import { tempDir } from '../helpers/tempDir.js';
import { isType, Recorder } from '../helpers/ws.js';

const SECRETS = ['hunter2', 'abc'];
const spawned: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const c of spawned.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

const hasSecret = (argv: readonly string[]) =>
  argv.some((a) => SECRETS.some((s) => a === s || a.includes(`=${s}`)));

describe('secrets in command lines', () => {
  it('are masked in the snapshot, patches, process details and the audit', async () => {
    const dir = tempDir('pidscope-redact-');
    const auditFile = join(dir, 'audit.jsonl');
    const app = await buildTestApp({ argv: ['--audit-file', auditFile] });
    const rec = new Recorder();
    const ws = await injectWS(app, '/api/v1/stream', {}, { onInit: (w) => rec.attach(w) });
    await rec.next(isType('snapshot'), 'the first snapshot');

    const child = spawn('sh', ['-c', 'sleep 60', 'x', '--password=hunter2', '--api-key', 'abc'], {
      stdio: 'ignore',
    });
    spawned.push(child);
    const pid = child.pid as number;

    const added = await rec.next(
      (m): m is Patch => m.type === 'patch' && m.added.some((p) => p.pid === pid),
      'the patch that adds it',
    );
    const inPatch = added.added.find((p) => p.pid === pid) as Process;
    expect(inPatch.cmdline).toEqual([
      'sh',
      '-c',
      'sleep 60',
      'x',
      '--password=••••',
      '--api-key',
      '••••',
    ]);
    expect(JSON.stringify(rec.messages)).not.toContain('hunter2');

    const snapshot = (await inject(app, '/api/v1/snapshot')).json() as State;
    const inSnapshot = snapshot.processes.find((p) => p.pid === pid) as Process;
    expect(inSnapshot.cmdline).toEqual(inPatch.cmdline);
    expect(snapshot.processes.some((p) => hasSecret(p.cmdline))).toBe(false);
    // The agent's own command line carries the test token only through its test runner, never
    // in what it serves.
    expect(JSON.stringify(snapshot)).not.toContain('test-token-123');

    const details = await inject(app, `/api/v1/processes/${pid}`);
    expect(details.body).not.toContain('hunter2');
    expect(details.json().process.cmdline).toEqual(inPatch.cmdline);
    const parent = await inject(app, `/api/v1/processes/${process.pid}`);
    expect(parent.body).not.toContain('hunter2');

    const signal = await inject(app, {
      method: 'POST',
      url: `/api/v1/processes/${pid}/signal`,
      headers: { 'content-type': 'application/json' },
      payload: { signal: 'SIGTERM', startTime: inPatch.startTime },
    });
    expect(signal.statusCode).toBe(200);
    expect(signal.body).not.toContain('hunter2');
    await waitFor(() => child.exitCode !== null || child.signalCode !== null, 'the process to end');
    const events = await inject(app, '/api/v1/events?since=0');
    expect(events.body).not.toContain('hunter2');
    const audit = await inject(app, '/api/v1/audit');
    expect(audit.body).not.toContain('hunter2');
    await app.close();
    expect(readFileSync(auditFile, 'utf8')).not.toContain('hunter2');
    ws.terminate();
  });

  it('PIDSCOPE_REDACT=off shows command lines as they are', async () => {
    const app = await buildTestApp({ env: { PIDSCOPE_REDACT: 'off' } });
    const child = spawn('sh', ['-c', 'sleep 60', 'x', '--password=hunter2'], { stdio: 'ignore' });
    spawned.push(child);
    await app.model.refresh();
    const p = app.model.findProcess(child.pid as number);
    expect(p?.cmdline).toContain('--password=hunter2');
  });
});
