import { randomBytes } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import type { Container, Namespaces, Process } from '@pidscope/protocol';
import { docker, removeContainers, runLabelled } from '../../src/docker.js';
import {
  drawnInside,
  expect,
  openDashboard,
  reveal,
  short,
  snapshot,
  test,
  treeitem,
  waitForContainer,
} from '../../src/fixtures.js';
import { startTimeOf } from '../../src/proc.js';

const KINDS = [
  'net',
  'mnt',
  'ipc',
  'uts',
  'user',
  'cgroup',
] as const satisfies (keyof Namespaces)[];

/** The inode the kernel names for a process's namespace of one kind; null where it refuses. */
function inode(pid: number, kind: string): number | null {
  try {
    return Number(/\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/${kind}`))?.[1]);
  } catch (err) {
    // Even root may not read the links of the host's PID 1 (ptrace access checks).
    if ((err as NodeJS.ErrnoException).code === 'EACCES') return null;
    throw err;
  }
}

const ids: string[] = [];
test.afterEach(() => {
  removeContainers(ids.splice(0));
});

test('two containers sharing a PID namespace are one group named after both, --pid host is marked, and the snapshot says so', async ({
  page,
  agent,
}) => {
  const tag = randomBytes(3).toString('hex');
  const run = (name: string, ...args: string[]) => {
    const id = runLabelled(agent.run, ['--name', name, ...args]);
    ids.push(id);
    const pid = Number(docker(['inspect', '-f', '{{.State.Pid}}', id]));
    return { id, name, pid, startTime: startTimeOf(pid) };
  };
  const web = run(`ns-web-${tag}`, 'pidscope/busybox:local', 'sleep', '600');
  // `--pid container:web`: the sidecar's sleep is a process of web's PID namespace.
  const sidecar = run(
    `ns-sidecar-${tag}`,
    '--pid',
    `container:${web.id}`,
    'pidscope/busybox:local',
    'sleep',
    '601',
  );
  const hosty = run(`ns-hosty-${tag}`, '--pid', 'host', 'pidscope/busybox:local', 'sleep', '602');

  await waitForContainer(agent, sidecar.id, (c) => c.sharesPidNamespaceWith.length > 0);
  await waitForContainer(agent, hosty.id, (c) => c.hostPidNamespace);
  const state = await snapshot(agent);
  const of = (id: string) => state.containers.find((c) => c.id === id) as Container;
  const pidNs = inode(web.pid, 'pid');
  expect(inode(sidecar.pid, 'pid')).toBe(pidNs);
  expect(of(web.id)).toMatchObject({
    pidNamespace: pidNs,
    sharesPidNamespaceWith: [sidecar.id],
    hostPidNamespace: false,
  });
  expect(of(sidecar.id)).toMatchObject({
    pidNamespace: pidNs,
    sharesPidNamespaceWith: [web.id],
    hostPidNamespace: false,
  });
  expect(state.host.pidNamespace).toBe(inode(process.pid, 'pid'));
  expect(of(hosty.id)).toMatchObject({
    pidNamespace: state.host.pidNamespace,
    sharesPidNamespaceWith: [],
    hostPidNamespace: true,
  });
  // Every other namespace is the one the kernel names: the sidecar shares only the PID one.
  for (const c of [web, sidecar, hosty]) {
    for (const kind of KINDS) expect(of(c.id).namespaces[kind], kind).toBe(inode(c.pid, kind));
  }
  for (const kind of KINDS) expect(state.host.namespaces[kind], kind).toBe(inode(1, kind));
  expect(of(sidecar.id).namespaces.net).not.toBe(of(web.id).namespaces.net);

  // The page: one box around both containers' processes, named after both.
  await openDashboard(page, agent);
  await reveal(page, sidecar);
  const box = page.locator(
    `g.group[data-containers~="${short(web.id)}"][data-containers~="${short(sidecar.id)}"]`,
  );
  await expect(box).toHaveCount(1);
  await expect(box).toContainText(web.name);
  await expect(box).toContainText(sidecar.name);
  await expect(box).toContainText('shared PID namespace');
  for (const p of [web, sidecar]) {
    await expect
      .poll(() => drawnInside(treeitem(page, p as Pick<Process, 'pid' | 'startTime'>), box))
      .toBe(true);
  }
  // The sidecar's details: its PID namespace shared with web, its network with no one.
  const details = page.getByTestId('details');
  await expect(details).toHaveAttribute('aria-label', new RegExp(`PID ${sidecar.pid}$`));
  const table = details.getByTestId('namespaces');
  await expect(table.locator('tr[data-ns="pid"]')).toContainText(web.name);
  await expect(table.locator('tr[data-ns="net"]')).toContainText('no one');
  await expect(table.locator('tr[data-ns="user"]')).toContainText(web.name);

  await reveal(page, hosty);
  await expect(page.getByTestId(`container-${short(hosty.id)}`)).toContainText(
    'host PID namespace',
  );
});
