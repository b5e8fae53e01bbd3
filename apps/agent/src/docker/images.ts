import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

/**
 * The base image of the Dockerfile: this machine's own node and npm, the shared libraries they and
 * the build's native addons load, and busybox for a shell. There is no registry to pull node from.
 */
export const NODE_IMAGE = 'pidscope/node:local';

/** Libraries loaded by native addons of the build (rolldown, lightningcss) beyond node's own. */
const EXTRA_LIBS = ['librt.so.1'];

/** The system trust store; npm in the image needs it where TLS to the registry is intercepted. */
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** Absolute paths of the shared objects `ldd` resolves for a binary, the ELF interpreter included. */
function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const paths: string[] = [];
  for (const line of out.split('\n')) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (m?.[1]) paths.push(m[1]);
  }
  return paths;
}

function copyInto(rootfs: string, hostPath: string, imagePath = hostPath): void {
  const target = join(rootfs, imagePath);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(realpathSync(hostPath), target);
}

/** busybox at /bin/busybox with a /bin link per applet: a shell, sed and the rest. */
function installBusybox(rootfs: string, busybox: string): void {
  copyInto(rootfs, busybox, '/bin/busybox');
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n');
  for (const applet of applets) {
    if (applet && applet !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', applet));
  }
}

async function importRootfs(
  docker: Docker,
  rootfs: string,
  image: string,
  changes: string[],
): Promise<void> {
  const tar = spawn('tar', ['-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const [repo, tag] = image.split(':') as [string, string];
  const stream: NodeJS.ReadableStream = await (
    docker.importImage as (...a: unknown[]) => Promise<NodeJS.ReadableStream>
  )(tar.stdout, { repo, tag, changes } as never);
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
  });
  if (!(await hasImage(docker, image))) {
    throw new ImageBuildError(`docker import finished but ${image} is not there`);
  }
}

/** Builds NODE_IMAGE from the running node binary, its libraries, npm and busybox, unless it exists. */
export async function ensureNodeImage(docker: Docker): Promise<string> {
  if (await hasImage(docker, NODE_IMAGE)) return NODE_IMAGE;
  const busybox = findBusybox();
  const node = realpathSync(process.execPath);
  const npm = join(dirname(node), '..', 'lib', 'node_modules', 'npm');
  if (!existsSync(join(npm, 'bin', 'npm-cli.js'))) {
    throw new ImageBuildError(`cannot build ${NODE_IMAGE}: npm not found next to ${node}`);
  }
  const rootfs = mkdtempSync(join(tmpdir(), 'pidscope-node-rootfs-'));
  try {
    installBusybox(rootfs, busybox);
    mkdirSync(join(rootfs, 'usr', 'bin'), { recursive: true });
    symlinkSync('/bin/busybox', join(rootfs, 'usr', 'bin', 'env'));
    copyInto(rootfs, node, '/usr/local/bin/node');
    const libs = sharedLibraries(node);
    const libc = libs.find((l) => l.endsWith('/libc.so.6'));
    if (libc) for (const extra of EXTRA_LIBS) libs.push(join(dirname(libc), extra));
    for (const lib of libs) if (existsSync(lib)) copyInto(rootfs, lib);
    cpSync(npm, join(rootfs, 'usr', 'local', 'lib', 'node_modules', 'npm'), {
      recursive: true,
      dereference: true,
    });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/local/bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(rootfs, 'usr/local/bin/npx'));
    mkdirSync(join(rootfs, 'etc'));
    if (existsSync(CA_BUNDLE)) {
      copyInto(rootfs, CA_BUNDLE);
      mkdirSync(join(rootfs, 'usr', 'local', 'etc'), { recursive: true });
      writeFileSync(join(rootfs, 'usr', 'local', 'etc', 'npmrc'), `cafile=${CA_BUNDLE}\n`);
    }
    writeFileSync(
      join(rootfs, 'etc', 'passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    );
    writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    mkdirSync(join(rootfs, 'root'));
    mkdirSync(join(rootfs, 'tmp'));
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    await importRootfs(docker, rootfs, NODE_IMAGE, [
      `LABEL ${MANAGED_LABEL}=true`,
      'ENV PATH=/usr/local/bin:/bin',
      'ENV HOME=/root',
      ...(existsSync(CA_BUNDLE) ? [`ENV NODE_EXTRA_CA_CERTS=${CA_BUNDLE}`] : []),
      'CMD ["node"]',
    ]);
    return NODE_IMAGE;
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

/** Prometheus for docker-compose's `monitoring` profile, built from Debian's package here. */
export const PROMETHEUS_IMAGE = 'pidscope/prometheus:local';

const PROMETHEUS_BINARY = '/usr/bin/prometheus';
/** The classic web UI Debian's build serves from disk (its libraries are links into libjs-*). */
const PROMETHEUS_WEB = '/usr/share/prometheus/web';
/** nobody: Prometheus needs no privilege, only its data directory. */
const NOBODY = 65534;

/**
 * Builds PROMETHEUS_IMAGE from this machine's Prometheus binary, its libraries and web UI, and
 * busybox (the compose service's shell puts the agent's port into the configuration), unless it
 * exists. There is no registry to pull prom/prometheus from.
 */
export async function ensurePrometheusImage(docker: Docker): Promise<string> {
  if (await hasImage(docker, PROMETHEUS_IMAGE)) return PROMETHEUS_IMAGE;
  if (!existsSync(PROMETHEUS_BINARY)) {
    throw new ImageBuildError(
      `cannot build ${PROMETHEUS_IMAGE}: no ${PROMETHEUS_BINARY} (apt-get install prometheus)`,
    );
  }
  const busybox = findBusybox();
  const rootfs = mkdtempSync(join(tmpdir(), 'pidscope-prometheus-rootfs-'));
  try {
    installBusybox(rootfs, busybox);
    copyInto(rootfs, PROMETHEUS_BINARY, '/bin/prometheus');
    for (const lib of sharedLibraries(PROMETHEUS_BINARY)) copyInto(rootfs, lib);
    if (existsSync(PROMETHEUS_WEB)) {
      cpSync(PROMETHEUS_WEB, join(rootfs, PROMETHEUS_WEB), {
        recursive: true,
        dereference: true,
        // The UI loads one bundled file of moment-timezone, not its 214 MB of per-zone data.
        filter: (src) => !src.endsWith('/moment-timezone/data'),
      });
    }
    mkdirSync(join(rootfs, 'etc', 'prometheus'), { recursive: true });
    writeFileSync(
      join(rootfs, 'etc', 'passwd'),
      `root:x:0:0:root:/root:/bin/sh\nnobody:x:${NOBODY}:${NOBODY}:nobody:/prometheus:/bin/false\n`,
    );
    writeFileSync(join(rootfs, 'etc', 'group'), `root:x:0:\nnogroup:x:${NOBODY}:\n`);
    // A named volume mounted here starts with this directory's owner: nobody can write it.
    mkdirSync(join(rootfs, 'prometheus'));
    chownSync(join(rootfs, 'prometheus'), NOBODY, NOBODY);
    mkdirSync(join(rootfs, 'tmp'));
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    await importRootfs(docker, rootfs, PROMETHEUS_IMAGE, [
      `LABEL ${MANAGED_LABEL}=true`,
      'ENV PATH=/bin',
      `USER ${NOBODY}:${NOBODY}`,
      'WORKDIR /prometheus',
      'ENTRYPOINT ["/bin/prometheus"]',
    ]);
    return PROMETHEUS_IMAGE;
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}
