import { execFileSync, spawn } from 'node:child_process';
import { execLabel } from '@pidscope/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/app.js';
import { TestContainers } from '../helpers/containers.js';
import { appBehindProxy } from '../helpers/dockerProxy.js';

const containers = new TestContainers();
beforeAll(() => containers.removeAll());
afterAll(() => containers.removeAll());

describe('live: docker exec sessions', () => {
  it('[S10] a detached and a waited-for docker exec are labelled with their command and user, the waited one goes when it ends, and a daemon gone changes nothing', async () => {
    const { app, proxy } = await appBehindProxy();
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
