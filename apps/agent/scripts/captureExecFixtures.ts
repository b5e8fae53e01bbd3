/**
 * Refreshes test/fixtures/docker-exec.json: `npm run fixtures:exec -w @pidscope/agent` (as root,
 * with Docker running and the busybox image built).
 *
 * It starts a labelled busybox container (`sleep 60` as PID 1), follows its Docker events, and runs
 * two sessions for real: `docker exec -d -u 1000 C sh -c 'sleep 30'` (still running when
 * inspected) and `docker exec C sh -c 'sleep 1; echo done'` (waited for, then inspected). It keeps
 * the raw event lines and inspect answers, with what the scenario knows independently (the
 * commands, the user, the host PID of each session's process read from /proc while it runs). The
 * container is removed at the end. Review the diff before committing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { readPidCmdline, readPidStat, readPids } from '@pidscope/procfs';
import Docker from 'dockerode';
import { BUSYBOX_IMAGE, ensureBusyboxImage, MANAGED_LABEL } from '../src/docker/images.js';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, '../test/fixtures/docker-exec.json');
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const LABEL = 'io.pidscope.test';

/**
 * Host PIDs running `argv` whose parent is `parent` (the container's shim, which also starts
 * every `docker exec` process), found in /proc without asking Docker.
 */
function pidsRunning(parent: number, argv: string[]): number[] {
  return readPids().filter(
    (pid) =>
      readPidStat(pid)?.ppid === parent && readPidCmdline(pid)?.join('\0') === argv.join('\0'),
  );
}

await ensureBusyboxImage(docker);
const c = await docker.createContainer({
  Image: BUSYBOX_IMAGE,
  Cmd: ['sh', '-c', 'exec sleep 60'],
  Labels: { [MANAGED_LABEL]: 'true', [LABEL]: 'fixtures-exec' },
  HostConfig: { NetworkMode: 'none' },
});
const lines: string[] = [];
try {
  await c.start();
  const events = spawn('docker', [
    'events',
    '--filter',
    `container=${c.id}`,
    '--format',
    '{{json .}}',
  ]);
  events.stdout.on('data', (chunk: Buffer) =>
    lines.push(...chunk.toString().split('\n').filter(Boolean)),
  );
  await delay(300);
  execFileSync('docker', ['exec', '-d', '-u', '1000', c.id, 'sh', '-c', 'sleep 30']);
  await delay(300);
  const initPid = (await c.inspect()).State.Pid;
  const shim = readPidStat(initPid)?.ppid ?? -1;
  const detachedPids = pidsRunning(shim, ['sleep', '30']);
  const detachedId = JSON.parse(lines[0] as string).Actor.Attributes.execID as string;
  const detached = await docker.getExec(detachedId).inspect();
  execFileSync('docker', ['exec', c.id, 'sh', '-c', 'sleep 1; echo done']);
  await delay(300);
  events.kill();
  const waitedId = JSON.parse(lines.find((l) => l.includes('sleep 1; echo done')) as string).Actor
    .Attributes.execID as string;
  const waited = await docker.getExec(waitedId).inspect();
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        about: 'docker exec events and inspect answers; see scripts/captureExecFixtures.ts',
        dockerVersion: (await docker.version()).Version,
        containerId: c.id,
        events: lines,
        detached: {
          command: ['sh', '-c', 'sleep 30'],
          user: '1000',
          pidFromProc: detachedPids[0] ?? null,
          inspect: detached,
        },
        waited: { command: ['sh', '-c', 'sleep 1; echo done'], user: '', inspect: waited },
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await c.remove({ force: true });
}
