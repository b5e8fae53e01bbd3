import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';

/** Label carried by every image, container and process group pidscope creates. */
export const MANAGED_LABEL = 'io.pidscope.managed';

/** A minimal image holding Debian's static busybox; there is no registry to pull from. */
export const BUSYBOX_IMAGE = 'pidscope/busybox:local';

const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];

export class ImageBuildError extends Error {
  override name = 'ImageBuildError';
}

function findBusybox(): string {
  const found = BUSYBOX_CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new ImageBuildError(
      `cannot build ${BUSYBOX_IMAGE}: no static busybox at ${BUSYBOX_CANDIDATES.join(' or ')} (apt-get install busybox-static)`,
    );
  }
  return found;
}

async function hasImage(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

/** Builds BUSYBOX_IMAGE from the local busybox binary with `docker import`, unless it exists. */
export async function ensureBusyboxImage(docker: Docker): Promise<string> {
  if (await hasImage(docker, BUSYBOX_IMAGE)) return BUSYBOX_IMAGE;
  const busybox = findBusybox();
  const rootfs = mkdtempSync(join(tmpdir(), 'pidscope-rootfs-'));
  try {
    mkdirSync(join(rootfs, 'bin'));
    mkdirSync(join(rootfs, 'tmp'));
    copyFileSync(busybox, join(rootfs, 'bin', 'busybox'));
    const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n');
    for (const applet of applets) {
      if (applet && applet !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', applet));
    }
    const tar = spawn('tar', ['-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const [repo, tag] = BUSYBOX_IMAGE.split(':') as [string, string];
    const stream: NodeJS.ReadableStream = await (
      docker.importImage as (...a: unknown[]) => Promise<NodeJS.ReadableStream>
    )(tar.stdout, {
      repo,
      tag,
      changes: [`LABEL ${MANAGED_LABEL}=true`, 'ENV PATH=/bin', 'CMD ["/bin/sh"]'],
    } as never);
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
    });
    if (!(await hasImage(docker, BUSYBOX_IMAGE))) {
      throw new ImageBuildError(`docker import finished but ${BUSYBOX_IMAGE} is not there`);
    }
    return BUSYBOX_IMAGE;
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}
