import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, inject, waitFor } from '../helpers/app.js';
import { TestContainers } from '../helpers/containers.js';
import { childrenOf, commOf, stateOf } from '../helpers/proc.js';
import { tempDir } from '../helpers/tempDir.js';

const containers = new TestContainers();
beforeAll(() => containers.removeAll());
afterAll(() => containers.removeAll());

describe('live: containers without asking Docker', () => {
  it('starts and stops containers from cgroup attribution alone when Docker is unreachable', async () => {
    const missing = join(tempDir('pidscope-nodocker-'), 'docker.sock');
    const app = await buildTestApp({ argv: ['--docker-host', `unix://${missing}`] });
    expect(app.docker.status().available).toBe(false);
    const { id, initPid } = await containers.run(['sh', '-c', 'exec sleep 600']);
    // While runc sets the container up, its first process sits in the container's cgroup before it
    // enters the new PID namespace: until then attribution knows the container but not its init.
    const c = await waitFor(() => {
      const found = app.model.container(id);
      return found?.initPid ? found : undefined;
    }, 'the container and its init from attribution');
    expect(c).toMatchObject({
      id,
      name: id.slice(0, 12),
      runtime: 'docker',
      initPid,
      image: '',
      labels: {},
    });
    expect(c.pidNamespace).toBe(app.model.findProcess(initPid)?.pidNs);
    await waitFor(
      () => app.model.events(0).find((e) => e.type === 'container-started' && e.containerId === id),
      'container-started without Docker',
    );
    await containers.removeAll();
    await waitFor(
      () => app.model.events(0).find((e) => e.type === 'container-stopped' && e.containerId === id),
      'container-stopped without Docker',
    );
  });
});

describe('live: a container run with --init', () => {
  it('knows PID 1 is docker-init, which reaps, and says to kill the parent', async () => {
    const app = await buildTestApp();
    // docker-init → sh, which forks `sleep 1` and becomes `sleep 600`: the zombie's parent is
    // not PID 1, and PID 1 (docker-init) reaps whatever it adopts.
    const { id, initPid } = await containers.run(['sh', '-c', 'sleep 1 & exec sleep 600'], {
      init: true,
    });
    expect(commOf(initPid)).toBe('docker-init');
    const parent = await waitFor(() => childrenOf(initPid)[0], 'the child of docker-init');
    const zombie = await waitFor(
      () => childrenOf(parent).find((pid) => stateOf(pid) === 'Z'),
      'the zombie under sleep 600',
    );
    const details = await waitFor(async () => {
      const body = (await inject(app, `/api/v1/processes/${zombie}`)).json();
      return body.analysis ? body : undefined;
    }, 'the zombie analysis');
    expect(details.container).toMatchObject({ id, hasInit: true, initPid });
    expect(details.analysis).toMatchObject({
      containerId: id,
      initReaps: true,
      initComm: 'docker-init',
      parent: { pid: parent, comm: 'sleep', isContainerInit: false },
    });
    expect(details.analysis.fix).toMatch(
      /kill the parent and PID 1 \(docker-init\) of container \S+ will reap it/,
    );
  });
});
