import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Exposition } from '../metrics/exposition.js';

/** Process states a Linux /proc can show, so every series exists even at zero. */
const STATES = ['R', 'S', 'D', 'T', 't', 'Z', 'X', 'I', 'P'];

const metrics: FastifyPluginAsyncTypebox = async (fastify) => {
  // How late the event loop runs its timers: what a request waits for while a tick is applied.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  fastify.addHook('onClose', async () => loopDelay.disable());

  fastify.get('/metrics', async (_req, reply) => {
    const { model, stream, docker } = fastify;
    const state = model.state();
    const byState = new Map<string, number>(STATES.map((s) => [s, 0]));
    let threads = 0;
    for (const p of state.processes) {
      byState.set(p.state, (byState.get(p.state) ?? 0) + 1);
      threads += p.threads;
    }
    const h = state.host;
    const containerLabels = state.containers.map((c) => ({
      c,
      labels: { container_id: c.id, container_name: c.name },
    }));
    const scans = model.scanStats();
    const text = new Exposition()
      .family(
        'pidscope_processes',
        'gauge',
        'Processes (thread-group leaders) by state',
        [...byState].map(([s, value]) => ({ labels: { state: s }, value })),
      )
      .family('pidscope_threads', 'gauge', 'Threads of all listed processes', [{ value: threads }])
      .family('pidscope_zombies', 'gauge', 'Processes in state Z', [{ value: h.zombies }])
      .family('pidscope_kernel_threads', 'gauge', 'Kernel threads', [{ value: h.kernelThreads }])
      .family('pidscope_pid_max', 'gauge', 'kernel.pid_max of the host PID namespace', [
        { value: h.pidMax },
      ])
      .family('pidscope_threads_max', 'gauge', 'kernel.threads-max', [{ value: h.threadsMax }])
      .family('pidscope_tasks', 'gauge', 'Tasks (threads) system-wide, from /proc/loadavg', [
        { value: h.tasks },
      ])
      .family('pidscope_pid_headroom', 'gauge', 'min(pid_max - 300, threads-max) - tasks', [
        { value: h.headroom },
      ])
      .family(
        'pidscope_container_pids_current',
        'gauge',
        'pids.current of the container cgroup',
        containerLabels
          .filter(({ c }) => c.pidsCurrent !== null)
          .map(({ c, labels }) => ({ labels, value: c.pidsCurrent as number })),
      )
      .family(
        'pidscope_container_pids_max',
        'gauge',
        'Effective pids limit of the container (absent when unlimited)',
        containerLabels
          .filter(({ c }) => c.pidsMax !== null)
          .map(({ c, labels }) => ({ labels, value: c.pidsMax as number })),
      )
      .family(
        'pidscope_container_fork_failures_total',
        'counter',
        'Forks refused by the pids cgroup limit (pids.events max)',
        containerLabels.map(({ c, labels }) => ({ labels, value: c.forkFailures })),
      )
      .histogram(
        'pidscope_scan_duration_seconds',
        'Duration of a /proc scan',
        scans.buckets,
        scans.count,
        scans.sumSeconds,
      )
      .family(
        'pidscope_tick_apply_seconds_total',
        'counter',
        'Main-thread time spent applying scans to the model and publishing patches',
        [{ value: scans.applySeconds }],
      )
      .family('pidscope_tick_apply_max_seconds', 'gauge', 'Longest single apply of a scan', [
        { value: scans.applyMaxMs / 1000 },
      ])
      .family('pidscope_scan_failures_total', 'counter', 'Scans that failed', [
        { value: scans.failures },
      ])
      .family(
        'pidscope_event_loop_delay_seconds',
        'gauge',
        'Event loop delay since start, by quantile (1 = the longest)',
        [0.5, 0.99, 1].map((q) => ({
          labels: { quantile: String(q) },
          value: (q === 1 ? loopDelay.max : loopDelay.percentile(q * 100)) / 1e9,
        })),
      )
      .family('pidscope_ws_clients', 'gauge', 'Connected WebSocket stream clients', [
        { value: stream.clients() },
      ])
      .family('pidscope_docker_up', 'gauge', '1 when the Docker API answers', [
        { value: docker.status().available ? 1 : 0 },
      ])
      .family('pidscope_state_seq', 'counter', 'Sequence number of the live state', [
        { value: state.seq },
      ])
      .toString();
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });
};

export default metrics;
