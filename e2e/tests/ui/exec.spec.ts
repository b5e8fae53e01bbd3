import { randomBytes } from 'node:crypto';
import type { Process } from '@pidscope/protocol';
import { docker, removeContainers, runLabelled } from '../../src/docker.js';
import {
  expect,
  openDashboard,
  reveal,
  snapshot,
  test,
  treeitem,
  waitForContainer,
} from '../../src/fixtures.js';

const ids: string[] = [];
test.afterEach(() => {
  removeContainers(ids.splice(0));
});

test('a docker exec session is labelled with its command in the tree and the details; an orphan it leaves under a PID 1 that does not reap is flagged', async ({
  page,
  agent,
}) => {
  const id = runLabelled(agent.run, [
    '--name',
    `exec-${randomBytes(3).toString('hex')}`,
    'pidscope/busybox:local',
    'sleep',
    '600',
  ]);
  ids.push(id);
  docker(['exec', '-d', '-u', '1000', id, 'sh', '-c', 'sleep 30']);
  const c = await waitForContainer(agent, id, (c) => c.execs.length === 1);
  const session = c.execs[0] as NonNullable<(typeof c.execs)[0]>;
  expect(session).toMatchObject({ command: ['sh', '-c', 'sleep 30'], user: '1000' });

  await openDashboard(page, agent);
  const drawn = await reveal(page, session);
  expect(drawn.label).toContain(`PID ${session.pid}`);
  expect(drawn.label).toContain("exec: sh -c 'sleep 30'");
  await expect(treeitem(page, session)).toContainText("exec: sh -c 'sleep 30'");
  const details = page.getByTestId('details');
  await expect(details.getByTestId('exec-session')).toContainText("exec: sh -c 'sleep 30'");
  await expect(details.getByTestId('exec-session')).toContainText('user 1000');
  await expect(details.getByTestId('zombie-fate')).toContainText('containerd-shim');

  // The session's shell exits and leaves `sleep 300` to the container's PID 1, `sleep 600`.
  docker(['exec', '-d', id, 'sh', '-c', 'sleep 300 & sleep 0.5']);
  let orphan: Process | undefined;
  await expect
    .poll(async () => {
      const state = await snapshot(agent);
      const init = state.processes.find((p) => p.containerId === id && p.nsPids.at(-1) === 1);
      orphan = state.processes.find(
        (p) => p.containerId === id && p.cmdline.join(' ') === 'sleep 300' && p.ppid === init?.pid,
      );
      return orphan !== undefined;
    })
    .toBe(true);
  const adopted = await reveal(page, orphan as Process);
  expect(adopted.label).toContain('will stay a zombie when it exits');
  await expect(treeitem(page, orphan as Process)).toHaveAttribute('data-fate', 'false');
  await expect(details.getByTestId('zombie-fate')).toContainText(
    'adopted by PID 1 (sleep), which does not reap',
  );
});
