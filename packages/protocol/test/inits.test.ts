import { describe, expect, it } from 'vitest';
import { classifyInit } from '../src/index.js';

describe('classifyInit', () => {
  it.each([
    ['docker-init', ['/sbin/docker-init', '--', 'sh', '-c', 'x'], true],
    ['tini', ['/usr/bin/tini', '-s', '--', 'app'], true],
    ['dumb-init', ['/usr/bin/dumb-init', 'app'], true],
    ['catatonit', ['/usr/libexec/podman/catatonit', '-P'], true],
    ['s6-svscan', ['s6-svscan', '/run/service'], true],
    ['systemd', ['/sbin/init'], true],
    ['init', ['/sbin/init'], true],
    ['runit', ['runit'], true],
    ['python3', ['/usr/bin/python3', '/usr/bin/supervisord', '-n'], true],
    ['python3', ['/usr/bin/python3', 'app.py'], false],
    ['supervisord', ['supervisord', '-n'], true],
    ['sh', ['/bin/sh', '-c', 'sleep 1 & exec sleep 600'], null],
    ['bash', ['bash'], null],
    ['sleep', ['sleep', '600'], false],
    ['node', ['node', 'server.js'], false],
    ['python3.12', ['python3.12', 'app.py'], false],
    ['nginx', ['nginx: master process nginx'], null],
    ['my-app', ['/app/my-app'], null],
  ] as const)('%s %j reaps: %s', (comm, cmdline, reaps) => {
    const info = classifyInit(comm, cmdline);
    expect(info?.reaps ?? null).toBe(reaps);
  });
});
