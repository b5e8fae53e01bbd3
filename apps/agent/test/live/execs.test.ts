import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execLabel } from '@pidscope/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, waitFor } from '../helpers/app.js';
import { TestContainers } from '../helpers/containers.js';
import { DockerProxy } from '../helpers/dockerProxy.js';

const containers = new TestContainers();
const proxies: DockerProxy[] = [];
beforeAll(() => containers.removeAll());
afterAll(() => containers.removeAll());
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

describe('live: docker exec sessions', () => {
  it('[S10] a detached and a waited-for docker exec are labelled with their command and user, the waited one goes when it ends, and a daemon gone changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pidscope-proxy-'));
    const proxy = new DockerProxy(join(dir, 'docker.sock'));
    proxies.push(proxy);
    await proxy.open();
    const app = await buildTestApp({ argv: ['--docker-host', `unix://${proxy.path}`] });
    await waitFor(() => app.docker.status().available, 'Docker through the proxy');
    const { id } = await containers.run(['sh', '-c', 'exec sleep 60']);
    const execsOf = () => app.model.state().containers.find((c) => c.id === id)?.execs ?? [];

    execFileSync('docker', ['exec', '-d', '-u', '1000', id, 'sh', '-c', 'sleep 30']);
    const detached = await waitFor(
      () => execsOf().find((e) => e.command.join(' ') === 'sh -c sleep 30'),
      'the detached session in the state',
    );
    expect(detached.user).toBe('1000');
    expect(execLabel(detached)).toBe("exec: sh -c 'sleep 30'");
    // Its process, by PID and start time: busybox sh has exec'd the sleep.
    const root = app.model.state().processes.find((p) => p.pid === detached.pid);
    expect(root).toMatchObject({ startTime: detached.startTime, containerId: id, uid: 1000 });
    expect(root?.cmdline).toEqual(['sleep', '30']);

    const waited = spawn('docker', ['exec', id, 'sh', '-c', 'sleep 2; echo done'], {
      stdio: 'ignore',
    });
    const ended = new Promise<number | null>((resolve) => waited.once('exit', resolve));
    try {
      const session = await waitFor(
        () => execsOf().find((e) => e.command.join(' ') === 'sh -c sleep 2; echo done'),
        'the waited-for session in the state',
      );
      expect(session.user).toBe('');
      expect(execLabel(session)).toBe("exec: sh -c 'sleep 2; echo done'");
      expect(app.model.state().processes.find((p) => p.pid === session.pid)?.comm).toBe('sh');
      expect(await ended).toBe(0);
      await waitFor(
        () => !execsOf().some((e) => e.id === session.id),
        'the ended session to leave the state',
      );
    } finally {
      if (waited.exitCode === null) waited.kill();
    }
    expect(execsOf().map((e) => e.id)).toEqual([detached.id]);

    await proxy.close();
    await waitFor(() => !app.model.state().docker.available, 'the model to see Docker go away');
    await app.model.refresh();
    expect(execsOf()).toEqual([detached]);
  });
});
