import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  environValue,
  isRestricted,
  readPidEnviron,
  readPidStat,
  readPids,
} from '@pidscope/procfs';
import type Docker from 'dockerode';
import { BUSYBOX_IMAGE, ensureBusyboxImage, MANAGED_LABEL } from '../docker/images.js';
import { AgentError } from '../errors.js';
import { DEMOS, type DemoDefinition, type DemoName, type DemoStep, demoByName } from './catalog.js';

export const DEMO_LABEL = 'io.pidscope.demo';
export const DEMO_ID_LABEL = 'io.pidscope.demo-id';
/** `pid:startTime` of the agent that started the demo: a dead owner means a crash left it behind. */
export const DEMO_OWNER_LABEL = 'io.pidscope.demo-owner';
/** The same marker for host processes, in their environment (it survives exec). */
export const OWNER_ENV = 'PIDSCOPE_DEMO_OWNER';

export interface DemoContainer {
  id: string;
  name: string;
  /** Host PID of the container's PID 1 (docker-init's with --init). */
  initPid: number | null;
}

export interface DemoInstance {
  id: string;
  name: DemoName;
  startedAt: number;
  expiresAt: number;
  containers: DemoContainer[];
  /** Host PIDs: container init PIDs, or the host process. */
  pids: number[];
  steps: DemoStep[];
}

export interface DemoInfo {
  name: DemoName;
  title: string;
  description: string;
  needsDocker: boolean;
  available: boolean;
  /** Why it cannot start now; null when available. */
  reason: string | null;
  steps: DemoStep[];
}

export interface DemoManagerOptions {
  docker: () => Docker | null;
  /** Whether Docker answers now, and why not. */
  dockerStatus: () => { available: boolean; reason: string | null };
  procRoot: string;
  /** `pid:startTime` of this agent. */
  owner: string;
  maxRunning: number;
  lifetimeMs: number;
  onError?: (err: unknown, what: string) => void;
}

interface Running extends DemoInstance {
  host: { pid: number; startTime: number } | null;
  timer: NodeJS.Timeout;
}

export interface DemoManager {
  catalog(): DemoInfo[];
  running(): DemoInstance[];
  get(id: string): DemoInstance | undefined;
  start(name: DemoName): Promise<DemoInstance>;
  /** false when no such demo runs. */
  stop(id: string): Promise<boolean>;
  stopAll(): Promise<void>;
  /** Removes demo containers and host processes whose agent is gone (a crash). */
  cleanupStale(): Promise<{ containers: number; processes: number }>;
}

const publicView = ({ host: _h, timer: _t, ...rest }: Running): DemoInstance => rest;

function ownerAlive(procRoot: string, owner: string | undefined): boolean {
  const m = /^(\d+):(\d+)$/.exec(owner ?? '');
  if (!m) return false;
  const id = readPidStat(Number(m[1]), procRoot);
  return id !== null && id.startTime === Number(m[2]) && id.state !== 'Z';
}

export function createDemoManager(opts: DemoManagerOptions): DemoManager {
  const running = new Map<string, Running>();
  const starting = new Set<string>();
  const onError = opts.onError ?? (() => {});

  function needDocker(def: DemoDefinition): Docker {
    const docker = opts.docker();
    const status = opts.dockerStatus();
    if (!docker || !status.available) {
      throw new AgentError(
        'DOCKER_UNAVAILABLE',
        `the ${def.name} demo needs Docker, which is not available${status.reason ? ` (${status.reason})` : ''}; the host-zombie demo works without it`,
      );
    }
    return docker;
  }

  async function startContainer(def: DemoDefinition, id: string): Promise<DemoContainer> {
    if (def.recipe.kind !== 'container') throw new Error('not a container demo');
    const docker = needDocker(def);
    try {
      await ensureBusyboxImage(docker);
    } catch (err) {
      throw new AgentError(
        'IMAGE_UNAVAILABLE',
        `cannot build ${BUSYBOX_IMAGE} (the agent's log says why)`,
        undefined,
        { cause: err },
      );
    }
    const name = `pidscope-demo-${def.name}-${id}`;
    const container = await docker.createContainer({
      name,
      Image: BUSYBOX_IMAGE,
      Cmd: def.recipe.cmd,
      Env: def.recipe.env ?? [],
      Labels: {
        [MANAGED_LABEL]: 'true',
        [DEMO_LABEL]: def.name,
        [DEMO_ID_LABEL]: id,
        [DEMO_OWNER_LABEL]: opts.owner,
      },
      HostConfig: {
        NetworkMode: 'none',
        Init: def.recipe.init,
        ...(def.recipe.pidsLimit ? { PidsLimit: def.recipe.pidsLimit } : {}),
      },
    });
    try {
      await container.start();
      const info = await container.inspect();
      return { id: container.id, name, initPid: info.State.Pid || null };
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined);
      throw err;
    }
  }

  function startHost(def: DemoDefinition, id: string): { pid: number; startTime: number } {
    if (def.recipe.kind !== 'host') throw new Error('not a host demo');
    const [cmd, ...args] = def.recipe.argv as [string, ...string[]];
    const child = spawn(cmd, args, {
      detached: true,
      stdio: 'ignore',
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', [OWNER_ENV]: opts.owner, PIDSCOPE_DEMO_ID: id },
    });
    child.on('error', (err) => onError(err, `${def.name} process`));
    child.unref();
    const pid = child.pid;
    const identity = pid ? readPidStat(pid, opts.procRoot) : null;
    if (!pid || !identity) throw new AgentError('SPAWN_FAILED', `could not start ${cmd}`);
    return { pid, startTime: identity.startTime };
  }

  async function remove(r: Running): Promise<void> {
    clearTimeout(r.timer);
    const docker = opts.docker();
    await Promise.all(
      r.containers.map((c) =>
        docker
          ?.getContainer(c.id)
          .remove({ force: true })
          .catch((err: { statusCode?: number }) => {
            if (err.statusCode !== 404) onError(err, `removing ${c.name}`);
          }),
      ),
    );
    if (r.host) {
      const now = readPidStat(r.host.pid, opts.procRoot);
      if (now && now.startTime === r.host.startTime && r.host.pid > 1) {
        try {
          process.kill(r.host.pid, 'SIGKILL');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ESRCH')
            onError(err, `killing ${r.host.pid}`);
        }
      }
    }
  }

  const manager: DemoManager = {
    catalog() {
      const status = opts.dockerStatus();
      return DEMOS.map((d) => {
        const needsDocker = d.recipe.kind === 'container';
        const available = !needsDocker || (status.available && opts.docker() !== null);
        return {
          name: d.name,
          title: d.title,
          description: d.description,
          needsDocker,
          available,
          reason: available
            ? null
            : `needs Docker, which is not available${status.reason ? `: ${status.reason}` : ''}`,
          steps: d.steps,
        };
      });
    },

    running: () => [...running.values()].map(publicView),

    get(id) {
      const r = running.get(id);
      return r ? publicView(r) : undefined;
    },

    async start(name) {
      if (running.size + starting.size >= opts.maxRunning) {
        throw new AgentError(
          'TOO_MANY_DEMOS',
          `${opts.maxRunning} demos are running already: stop one first`,
        );
      }
      const def = demoByName(name);
      if (def.recipe.kind === 'container') needDocker(def);
      const id = randomBytes(4).toString('hex');
      starting.add(id);
      try {
        const startedAt = Date.now();
        let containers: DemoContainer[] = [];
        let host: Running['host'] = null;
        if (def.recipe.kind === 'container') {
          containers = [
            await startContainer(def, id).catch((err) => {
              if (err instanceof AgentError) throw err;
              throw new AgentError(
                'DOCKER_FAILED',
                `Docker could not start the ${def.name} demo (its answer is in the agent's log)`,
                undefined,
                { cause: err },
              );
            }),
          ];
        } else host = startHost(def, id);
        const r: Running = {
          id,
          name,
          startedAt,
          expiresAt: startedAt + opts.lifetimeMs,
          containers,
          pids: host ? [host.pid] : containers.flatMap((c) => (c.initPid ? [c.initPid] : [])),
          steps: def.steps,
          host,
          timer: setTimeout(() => {
            manager.stop(id).catch((err) => onError(err, `expiring demo ${id}`));
          }, opts.lifetimeMs),
        };
        r.timer.unref();
        running.set(id, r);
        return publicView(r);
      } finally {
        starting.delete(id);
      }
    },

    async stop(id) {
      const r = running.get(id);
      if (!r) return false;
      running.delete(id);
      await remove(r);
      return true;
    },

    async stopAll() {
      const all = [...running.values()];
      running.clear();
      await Promise.all(all.map(remove));
    },

    async cleanupStale() {
      let containers = 0;
      let processes = 0;
      const docker = opts.docker();
      if (docker && opts.dockerStatus().available) {
        const list = await docker.listContainers({ all: true, filters: { label: [DEMO_LABEL] } });
        for (const c of list) {
          if (ownerAlive(opts.procRoot, c.Labels[DEMO_OWNER_LABEL])) continue;
          await docker
            .getContainer(c.Id)
            .remove({ force: true })
            .then(() => containers++)
            .catch((err) => onError(err, `removing stale demo container ${c.Id.slice(0, 12)}`));
        }
      }
      for (const pid of staleHostProcesses(opts.procRoot)) {
        try {
          process.kill(pid, 'SIGKILL');
          processes++;
        } catch {
          // Gone already.
        }
      }
      return { containers, processes };
    },
  };
  return manager;
}

/**
 * Host demo processes (marked in their environment) whose owning agent is dead. A process that
 * vanishes or hides its environ (another user's, under hidepid) is not ours to judge.
 */
function staleHostProcesses(procRoot: string): number[] {
  const out: number[] = [];
  for (const pid of readPids(procRoot)) {
    if (pid <= 1) continue;
    try {
      const stat = readPidStat(pid, procRoot);
      // Only the host demo's parent (`sleep`, once sh exec'd) can hold the marker we planted.
      if (stat === null || (stat.comm !== 'sleep' && stat.comm !== 'sh')) continue;
      const environ = readPidEnviron(pid, procRoot);
      const owner = environ && environValue(environ, OWNER_ENV);
      if (owner && !ownerAlive(procRoot, owner)) out.push(pid);
    } catch (err) {
      if (!isRestricted(err)) throw err;
    }
  }
  return out;
}
