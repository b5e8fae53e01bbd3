import { readPidStat } from '@pidscope/procfs';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { selfPid } from '../actions/target.js';
import { createDemoManager, type DemoInstance, type DemoManager } from '../demos/manager.js';

declare module 'fastify' {
  interface FastifyInstance {
    demos: DemoManager;
  }
}

/** What the live model shows of a running demo, so the UI can narrate it. */
export interface DemoObserved {
  processes: number;
  zombies: number;
  pidsCurrent: number | null;
  pidsMax: number | null;
  forkFailures: number | null;
}

export function observe(fastify: FastifyInstance, d: DemoInstance): DemoObserved {
  const { model } = fastify;
  const state = model.state();
  if (d.containers.length > 0) {
    const ids = new Set(d.containers.map((c) => c.id));
    const procs = state.processes.filter((p) => p.containerId !== null && ids.has(p.containerId));
    const c = d.containers[0] ? model.container(d.containers[0].id) : undefined;
    return {
      processes: procs.length,
      zombies: procs.filter((p) => p.state === 'Z').length,
      pidsCurrent: c?.pidsCurrent ?? null,
      pidsMax: c?.pidsMax ?? null,
      forkFailures: c?.forkFailures ?? null,
    };
  }
  const root = d.pids[0] ? model.findProcess(d.pids[0]) : undefined;
  const children = root ? model.children(root) : [];
  return {
    processes: root ? 1 + children.length : 0,
    zombies: children.filter((p) => p.state === 'Z').length,
    pidsCurrent: null,
    pidsMax: null,
    forkFailures: null,
  };
}

export default fp(
  async function demosPlugin(fastify: FastifyInstance) {
    const { config, docker } = fastify;
    const self = selfPid(config.procRoot);
    const owner = `${self}:${readPidStat(self, config.procRoot)?.startTime ?? 0}`;
    const manager = createDemoManager({
      docker: () => fastify.actionService.docker,
      dockerStatus: () => docker.status(),
      procRoot: config.procRoot,
      owner,
      maxRunning: config.demoMax,
      lifetimeMs: config.demoLifetimeMs,
      onError: (err, what) => fastify.log.warn({ err }, `demo: ${what} failed`),
    });
    fastify.decorate('demos', manager);
    // A crash leaves demos behind; their owner label names an agent that no longer runs. Docker
    // may come up after the agent: its containers are then swept when it first answers.
    let containersSwept = false;
    const sweep = () => {
      const withDocker = docker.status().available;
      if (containersSwept && withDocker) return;
      containersSwept = withDocker;
      manager
        .cleanupStale()
        .then(({ containers, processes }) => {
          if (containers + processes > 0) {
            fastify.log.info(
              `removed ${containers} stale demo containers and ${processes} demo processes`,
            );
          }
        })
        .catch((err) => fastify.log.warn({ err }, 'stale demo cleanup failed'));
    };
    fastify.addHook('onReady', async () => {
      sweep();
    });
    const unsubscribe = docker.onChange(() => {
      if (!containersSwept && docker.status().available) sweep();
    });
    fastify.addHook('onClose', async () => unsubscribe());
    fastify.addHook('onClose', async () => manager.stopAll());
  },
  {
    name: 'pidscope-demos',
    dependencies: ['pidscope-config', 'pidscope-docker', 'pidscope-model'],
  },
);
