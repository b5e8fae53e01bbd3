import type { State } from '@pidscope/protocol';
import { Counter, Gauge, type Metric, type Registry, type RegistryContentType } from 'prom-client';
import type { ScanStats, SourceStats } from '../plugins/model.js';
import type { EventTally } from './tally.js';

/** What the pidscope_* families read at scrape time. */
export interface MetricsSource {
  state(): State;
  scanStats(): ScanStats;
  sourceStats(): SourceStats;
  streamClients(): number;
  dockerUp(): boolean;
  /** Forks since boot (/proc/stat `processes`); null when it could not be read. */
  forks(): number | null;
  tally: EventTally;
  version: string;
  now(): number;
}

/** Proc connector event kinds (procfs ProcEvent), so every series exists even at zero. */
const PROC_EVENT_KINDS = [
  'fork',
  'exec',
  'exit',
  'comm',
  'uid',
  'gid',
  'sid',
  'ptrace',
  'coredump',
  'ack',
  'other',
] as const;

/** Process states a Linux /proc can show, so every series exists even at zero. */
const STATES = ['R', 'S', 'D', 'T', 't', 'Z', 'X', 'I', 'P'];

/** The labels of every per-container series, as cAdvisor users join on them. */
const CONTAINER_LABELS = ['container_id', 'container_name', 'image'] as const;
type ContainerLabel = (typeof CONTAINER_LABELS)[number];

interface ContainerTotals {
  processes: number;
  zombies: number;
  oldestZombieSince: number | null;
}

/** Per-state and per-container counts of one state, computed once however many families read it. */
interface Totals {
  byState: Map<string, number>;
  oldestZombieSince: number | null;
  containers: Map<string, ContainerTotals>;
}

const totalsCache = new WeakMap<State, Totals>();

function totalsOf(state: State): Totals {
  const cached = totalsCache.get(state);
  if (cached) return cached;
  const totals: Totals = {
    byState: new Map(STATES.map((s) => [s, 0])),
    oldestZombieSince: null,
    containers: new Map(),
  };
  const older = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));
  for (const p of state.processes) {
    totals.byState.set(p.state, (totals.byState.get(p.state) ?? 0) + 1);
    const zombie = p.state === 'Z';
    if (zombie) totals.oldestZombieSince = older(totals.oldestZombieSince, p.zombieSince ?? 0);
    if (p.containerId === null) continue;
    let c = totals.containers.get(p.containerId);
    if (!c) {
      c = { processes: 0, zombies: 0, oldestZombieSince: null };
      totals.containers.set(p.containerId, c);
    }
    c.processes++;
    if (zombie) {
      c.zombies++;
      c.oldestZombieSince = older(c.oldestZombieSince, p.zombieSince ?? 0);
    }
  }
  totalsCache.set(state, totals);
  return totals;
}

function ageSeconds(since: number | null, now: number): number {
  return since === null ? 0 : Math.max(0, now - since) / 1000;
}

/**
 * A histogram family served from the cumulative buckets the model keeps. prom-client's Histogram
 * only takes single observations, and a scan that changes nothing never reaches a tick listener;
 * the registry needs no more than `get()`, which this object provides.
 */
function cumulativeHistogram(
  registry: Registry<RegistryContentType>,
  name: string,
  help: string,
  read: () => { buckets: ReadonlyMap<number, number>; count: number; sum: number },
): void {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => {
      const { buckets, count, sum } = read();
      const bucket = `${name}_bucket`;
      return {
        name,
        help,
        type: 'histogram',
        aggregator: 'sum',
        values: [
          ...[...buckets]
            .sort((a, b) => a[0] - b[0])
            .map(([le, value]) => ({ metricName: bucket, labels: { le }, value })),
          { metricName: bucket, labels: { le: '+Inf' }, value: count },
          { metricName: `${name}_sum`, labels: {}, value: sum },
          { metricName: `${name}_count`, labels: {}, value: count },
        ],
      };
    },
    reset: () => {},
  };
  registry.registerMetric(metric as unknown as Metric);
}

/**
 * Registers every pidscope_* family on `registry`. Values are read from the live model when a
 * scrape asks for them; nothing is kept between scrapes but the event tally.
 */
export function registerPidscopeMetrics(
  registry: Registry<RegistryContentType>,
  src: MetricsSource,
): void {
  const registers = [registry];

  /** A label-less gauge whose value is read at scrape time. */
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });

  /** A gauge with one series per container, read at scrape time. */
  const containerGauge = (
    name: string,
    help: string,
    read: (c: State['containers'][number], totals: Totals) => number | null,
  ) =>
    new Gauge<ContainerLabel>({
      name,
      help,
      labelNames: CONTAINER_LABELS,
      registers,
      collect() {
        this.reset();
        const state = src.state();
        const totals = totalsOf(state);
        for (const c of state.containers) {
          const value = read(c, totals);
          if (value !== null) this.set(containerLabels(c), value);
        }
      },
    });

  const host = () => src.state().host;

  new Gauge({
    name: 'pidscope_build_info',
    help: 'Always 1; the agent version as a label',
    labelNames: ['version'],
    registers,
    collect() {
      this.set({ version: src.version }, 1);
    },
  });

  gauge('pidscope_host_pid_max', 'kernel.pid_max of the host PID namespace', () => host().pidMax);
  gauge('pidscope_host_threads_max', 'kernel.threads-max', () => host().threadsMax);
  gauge(
    'pidscope_host_tasks',
    'Tasks (threads, kernel threads and zombies included) system-wide, from /proc/loadavg',
    () => host().tasks,
  );
  gauge(
    'pidscope_host_pid_limit',
    'Tasks the kernel allows: min(pid_max - 300, threads-max)',
    () => host().headroom + host().tasks,
  );
  gauge(
    'pidscope_host_pid_headroom',
    'Tasks that can still be created: pidscope_host_pid_limit - pidscope_host_tasks',
    () => host().headroom,
  );
  new Gauge<'scope' | ContainerLabel>({
    name: 'pidscope_pid_exhaustion_eta_seconds',
    help: 'Seconds until tasks (host) or pids.current (a limited container) reach their limit at the recent trend; no series without a rising trend',
    labelNames: ['scope', ...CONTAINER_LABELS],
    registers,
    collect() {
      this.reset();
      const state = src.state();
      const eta = state.host.etaSeconds;
      if (eta !== null) {
        this.set({ scope: 'host', container_id: '', container_name: '', image: '' }, eta);
      }
      for (const c of state.containers) {
        if (c.etaSeconds !== null)
          this.set({ scope: 'container', ...containerLabels(c) }, c.etaSeconds);
      }
    },
  });
  new Gauge({
    name: 'pidscope_host_processes',
    help: 'Processes (thread-group leaders) by state',
    labelNames: ['state'],
    registers,
    collect() {
      for (const [state, n] of totalsOf(src.state()).byState) this.set({ state }, n);
    },
  });
  gauge('pidscope_host_kernel_threads', 'Kernel threads', () => host().kernelThreads);
  gauge(
    'pidscope_host_zombies',
    'Processes in state Z on the host, containers included',
    () => totalsOf(src.state()).byState.get('Z') ?? 0,
  );
  gauge(
    'pidscope_host_oldest_zombie_age_seconds',
    'Age of the oldest zombie on the host, containers included (0 without zombies)',
    () => ageSeconds(totalsOf(src.state()).oldestZombieSince, src.now()),
  );
  new Counter({
    name: 'pidscope_host_forks_total',
    help: 'Forks since boot (/proc/stat processes)',
    registers,
    collect() {
      const forks = src.forks();
      // Unreadable: the last value stands rather than a drop a rate() would take for a reset.
      if (forks === null) return;
      this.reset();
      this.inc(forks);
    },
  });

  containerGauge(
    'pidscope_container_processes',
    'Processes attributed to the container, zombies included',
    (c, t) => t.containers.get(c.id)?.processes ?? 0,
  );
  containerGauge(
    'pidscope_container_pids_current',
    'pids.current of the container cgroup (tasks, zombies included)',
    (c) => c.pidsCurrent,
  );
  containerGauge(
    'pidscope_container_pids_limit',
    'Effective pids limit: the smallest pids.max of the cgroup and its ancestors (absent when unlimited)',
    (c) => c.pidsMax,
  );
  containerGauge(
    'pidscope_container_zombies',
    'Processes in state Z in the container',
    (c, t) => t.containers.get(c.id)?.zombies ?? 0,
  );
  containerGauge(
    'pidscope_container_oldest_zombie_age_seconds',
    "Age of the container's oldest zombie (0 without zombies)",
    (c, t) => ageSeconds(t.containers.get(c.id)?.oldestZombieSince ?? null, src.now()),
  );
  containerGauge(
    'pidscope_container_init_reaps',
    "1 when the container's PID 1 reaps the orphans it adopts (--init, tini, dumb-init, systemd…), else 0",
    (c) => (c.hasInit ? 1 : 0),
  );
  new Counter<ContainerLabel>({
    name: 'pidscope_container_fork_failures_total',
    help: 'Forks refused by the pids cgroup limit (pids.events max)',
    labelNames: CONTAINER_LABELS,
    registers,
    collect() {
      this.reset();
      for (const c of src.state().containers) this.inc(containerLabels(c), c.forkFailures);
    },
  });
  new Counter<ContainerLabel | 'parent_comm'>({
    name: 'pidscope_zombies_created_total',
    help: `Processes seen becoming zombies, by container (empty on the host) and parent command (the first 20 distinct; "other" after)`,
    labelNames: [...CONTAINER_LABELS, 'parent_comm'],
    registers,
    collect() {
      this.reset();
      const containers = new Map(src.state().containers.map((c) => [c.id, c]));
      for (const z of src.tally.zombiesCreated()) {
        const c = containers.get(z.containerId);
        const labels = c
          ? containerLabels(c)
          : { container_id: z.containerId, container_name: '', image: '' };
        this.inc({ ...labels, parent_comm: z.parentComm }, z.count);
      }
    },
  });
  new Counter({
    name: 'pidscope_events_total',
    help: 'Events the live model published, by type',
    labelNames: ['type'],
    registers,
    collect() {
      this.reset();
      for (const [type, n] of src.tally.eventsByType()) this.inc({ type }, n);
    },
  });

  cumulativeHistogram(
    registry,
    'pidscope_scan_duration_seconds',
    'Duration of a /proc scan',
    () => {
      const s = src.scanStats();
      return { buckets: s.buckets, count: s.count, sum: s.sumSeconds };
    },
  );
  new Gauge({
    name: 'pidscope_source_info',
    help: 'Always 1; how the agent learns that processes changed as a label: proc-connector (kernel events) or polling',
    labelNames: ['source'],
    registers,
    collect() {
      this.reset();
      this.set({ source: src.sourceStats().source.kind }, 1);
    },
  });
  new Counter({
    name: 'pidscope_proc_events_total',
    help: 'Process events the proc connector delivered, by kind (since the sampler worker started)',
    labelNames: ['kind'],
    registers,
    collect() {
      this.reset();
      const events = src.sourceStats().counters?.events ?? {};
      for (const kind of PROC_EVENT_KINDS) this.inc({ kind }, events[kind] ?? 0);
    },
  });
  new Counter({
    name: 'pidscope_proc_events_lost_total',
    help: "Process events known to be lost: missing from the kernel's per-CPU sequence numbers",
    registers,
    collect() {
      this.reset();
      this.inc(src.sourceStats().counters?.lost ?? 0);
    },
  });
  new Counter({
    name: 'pidscope_rescans_total',
    help: 'Walks of /proc by the event source, by reason: periodic (the safety rescan), enobufs (its queue overflowed), sequence (a gap in the events)',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      const { counters, periodicRescans } = src.sourceStats();
      this.inc({ reason: 'periodic' }, periodicRescans);
      this.inc({ reason: 'enobufs' }, counters?.overruns.enobufs ?? 0);
      this.inc({ reason: 'sequence' }, counters?.overruns.sequence ?? 0);
    },
  });
  new Counter({
    name: 'pidscope_scan_failures_total',
    help: 'Scans that failed',
    registers,
    collect() {
      this.reset();
      this.inc(src.scanStats().failures);
    },
  });
  new Counter({
    name: 'pidscope_tick_apply_seconds_total',
    help: 'Main-thread time spent applying scans to the model and publishing patches',
    registers,
    collect() {
      this.reset();
      this.inc(src.scanStats().applySeconds);
    },
  });
  gauge(
    'pidscope_tick_apply_max_seconds',
    'Longest single apply of a scan',
    () => src.scanStats().applyMaxMs / 1000,
  );
  new Counter({
    name: 'pidscope_state_updates_total',
    help: 'Updates of the live state (its sequence number)',
    registers,
    collect() {
      this.reset();
      this.inc(src.state().seq);
    },
  });
  gauge('pidscope_ws_clients', 'Connected WebSocket stream clients', () => src.streamClients());
  gauge('pidscope_docker_up', '1 when the Docker API answers', () => (src.dockerUp() ? 1 : 0));
}

function containerLabels(c: State['containers'][number]): Record<ContainerLabel, string> {
  return { container_id: c.id, container_name: c.name, image: c.image };
}
