import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTestApp, inject, waitFor } from '../helpers/app.js';
import { appBehindProxy } from '../helpers/dockerProxy.js';
import { tempDir } from '../helpers/tempDir.js';

describe('Docker status', () => {
  it('without a daemon: serves the host view and says why Docker is unavailable', async () => {
    const missing = join(tempDir('pidscope-nodocker-'), 'docker.sock');
    const app = await buildTestApp({ argv: ['--docker-host', `unix://${missing}`] });
    const health = (await inject(app, '/healthz')).json();
    expect(health.docker).toMatchObject({ available: false, version: null });
    expect(health.docker.reason).toContain('ENOENT');
    expect(health.docker.reason).toContain(missing);
    const snapshot = (await inject(app, '/api/v1/snapshot')).json();
    expect(snapshot.docker.available).toBe(false);
    expect(snapshot.processes.some((p: { pid: number }) => p.pid === process.pid)).toBe(true);
    expect((await inject(app, '/metrics')).body).toMatch(/^pidscope_docker_up 0$/m);
  });

  it('reports a daemon going away and reconnects by itself when it is back', async () => {
    const { app, proxy } = await appBehindProxy();
    expect(app.model.state().docker.available).toBe(true);

    await proxy.close();
    const down = await waitFor(
      () => (app.model.state().docker.available ? undefined : app.model.state().docker),
      'the model to see Docker go away',
    );
    expect(down.reason).toBeTruthy();
    const pid = process.pid;
    await app.model.refresh();
    const snapshot = (await inject(app, '/api/v1/snapshot')).json();
    expect(snapshot.docker.available).toBe(false);
    expect(snapshot.processes.some((p: { pid: number }) => p.pid === pid)).toBe(true);
    expect((await inject(app, '/healthz')).json().status).toBe('ok');

    await proxy.open();
    await waitFor(() => app.model.state().docker.available, 'the agent to reconnect', 20_000);
    expect((await inject(app, '/healthz')).json().docker).toMatchObject({
      available: true,
      reason: null,
    });
  });
});
