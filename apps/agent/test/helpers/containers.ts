import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { BUSYBOX_IMAGE, ensureBusyboxImage, MANAGED_LABEL } from '../../src/docker/images.js';

export const TEST_LABEL = 'io.pidscope.test';

/** Containers of one test file, all carrying the file's unique label, removed by it. */
export class TestContainers {
  readonly docker = new Docker({ socketPath: '/var/run/docker.sock' });
  readonly label = `agent-${randomBytes(4).toString('hex')}`;

  async run(
    cmd: string[],
    opts: { init?: boolean; pidsLimit?: number } = {},
  ): Promise<{ id: string; initPid: number }> {
    await ensureBusyboxImage(this.docker);
    const c = await this.docker.createContainer({
      Image: BUSYBOX_IMAGE,
      Cmd: cmd,
      Labels: { [MANAGED_LABEL]: 'true', [TEST_LABEL]: this.label },
      HostConfig: {
        NetworkMode: 'none',
        Init: opts.init ?? false,
        ...(opts.pidsLimit ? { PidsLimit: opts.pidsLimit } : {}),
      },
    });
    await c.start();
    const info = await c.inspect();
    return { id: info.Id, initPid: info.State.Pid };
  }

  async removeAll(): Promise<void> {
    const list = await this.docker.listContainers({
      all: true,
      filters: { label: [`${TEST_LABEL}=${this.label}`] },
    });
    await Promise.all(
      list.map((c) =>
        this.docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => {}),
      ),
    );
  }
}
