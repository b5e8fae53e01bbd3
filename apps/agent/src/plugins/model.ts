import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { readPidNamespaces } from '@pidscope/procfs';
import type { Container, Process, State, ZombieAnalysis } from '@pidscope/protocol';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ConfigError } from '../config.js';
import { loopBusy } from '../metrics/eventLoop.js';
import type { NewEvent } from '../model/events.js';
import { LiveModel, type Tick } from '../model/liveModel.js';
import type { Sample, SourceCounters, SourceStatus } from '../sampler/messages.js';
import { Sampler, SamplerError } from '../sampler/sampler.js';
import { createRedactor } from '../security/redact.js';

export type { Tick } from '../model/liveModel.js';

/** Scan durations, for the histogram on /metrics. */
export interface ScanStats {
  count: number;
  sumSeconds: number;
  /** Cumulative counts per upper bound (seconds), Prometheus style. */
  buckets: Map<number, number>;
  lastDurationMs: number | null;
  failures: number;
  /** Main-thread time spent applying scans and publishing them (the event loop is busy then). */
  applySeconds: number;
  applyMaxMs: number;
}

/** What the event source did, for /metrics. */
export interface SourceStats {
  source: SourceStatus;
  /** The worker's counters (events by kind, walks after lost events); null when polling. */
  counters: SourceCounters | null;
  /** Safety rescans made while the event source ran (every PIDSCOPE_RESCAN_MS). */
  periodicRescans: number;
}

export interface ModelService {
  state(): State;
  findProcess(pid: number): Process | undefined;
  /** Children of a process, by its `pid:startTime` key or its record. */
  children(key: string | { pid: number; startTime: number }): Process[];
  zombieAnalysis(pid: number): ZombieAnalysis | null;
  /** The PID 1 of a PID namespace: a container's init, or the host's PID 1 for its namespace. */
  namespaceInit(pidNs: number | null): Process | undefined;
  /** By full id or a unique prefix of 12+ hex digits. */
  container(id: string): Container | undefined;
  events(since: number): ReturnType<LiveModel['events']>;
  /** Called after every update that changed the state; returns an unsubscribe function. */
  onTick(listener: (tick: Tick) => void): () => void;
  /** Queues an event (e.g. an action's outcome) and publishes it with a fresh update. */
  recordEvent(event: Omit<NewEvent, 'at'> & { at?: number }): void;
  /** Scans now and resolves once the result is applied and published. */
  refresh(): Promise<void>;
  /**
   * Shows what a signal did to `pids`: a stop or a continue has no process event. Under kernel
   * events the sampler reads them again over the next moments (Sampler.look), which a scan right
   * away could not replace (it may read them before they took the signal in); polling scans now.
   */
  signalled(pids: number[]): void;
  scanStats(): ScanStats;
  sourceStats(): SourceStats;
  lastSample(): Sample | null;
  /** How often the model is refreshed at the latest: the poll interval, or the safety rescan's. */
  refreshEveryMs(): number;
}

declare module 'fastify' {
  interface FastifyInstance {
    model: ModelService;
  }
}

const DOCKER_COALESCE_MS = 50;

export const SCAN_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export default fp(
  async function modelPlugin(fastify: FastifyInstance) {
    const { config, docker } = fastify;
    // The agent's own token is masked wherever it shows, whatever the names say.
    const redact = createRedactor(config.redact, [config.token]);
    const model = new LiveModel(
      hostname(),
      docker.status(),
      undefined,
      redact,
      fastify.history.firstEventId,
      // A handful of links per container, once: read here rather than in every scan.
      (pid) => readPidNamespaces(pid, config.procRoot),
    );
    const listeners = new Set<(tick: Tick) => void>();
    const stats: ScanStats = {
      count: 0,
      sumSeconds: 0,
      buckets: new Map(SCAN_BUCKETS_SECONDS.map((b) => [b, 0])),
      lastDurationMs: null,
      failures: 0,
      applySeconds: 0,
      applyMaxMs: 0,
    };
    const sourceStats: SourceStats = {
      source: { kind: 'polling', reason: 'no sample yet' },
      counters: null,
      periodicRescans: 0,
    };
    let closed = false;
    let timer: NodeJS.Timeout | null = null;
    let chain: Promise<void> = Promise.resolve();
    let lastError: string | null = null;
    // After a failed apply the model may hold part of a sample: the next one brings everything.
    let needFull = false;

    const dockerView = () => ({ status: docker.status(), containers: docker.containers() });
    // Under kernel events a count that stops rising sends no sample, yet its estimate must go
    // (to null): while one is out, the trends are looked at again every interval. Polling scans
    // every interval anyway, and each scan does it. With no estimate out, nothing wakes for it.
    let clock: NodeJS.Timeout | null = null;
    const stopClock = () => {
      if (clock) clearInterval(clock);
      clock = null;
    };
    const watchEstimates = () => {
      if (closed || sourceStats.source.kind === 'polling' || !model.estimating) {
        stopClock();
        return;
      }
      if (clock) return;
      clock = setInterval(() => {
        if (!closed && model.lastSample && model.estimating) publish(model.commit());
        else stopClock();
      }, config.intervalMs);
      clock.unref();
    };
    const publish = (tick: Tick) => {
      if (!tick.patch) return;
      watchEstimates();
      for (const l of listeners) {
        try {
          l(tick);
        } catch (err) {
          fastify.log.error({ err }, 'tick listener failed');
        }
      }
    };
    const refreshEveryMs = () =>
      sourceStats.source.kind === 'polling' ? config.intervalMs : config.rescanMs;

    /** Every sample, asked for or taken by the event source, in the worker's order. */
    const apply = (sample: Sample) => {
      if (closed) return;
      loopBusy();
      if (sample.cause === 'scan' || sample.cause === 'overrun') {
        const seconds = sample.durationMs / 1000;
        stats.count++;
        stats.sumSeconds += seconds;
        stats.lastDurationMs = sample.durationMs;
        for (const b of SCAN_BUCKETS_SECONDS) {
          if (seconds <= b) stats.buckets.set(b, (stats.buckets.get(b) ?? 0) + 1);
        }
      }
      if (sample.counters !== undefined) sourceStats.counters = sample.counters;
      const t0 = performance.now();
      let tick: Tick;
      try {
        tick = model.applySample(sample, dockerView());
      } catch (err) {
        needFull = true;
        throw err;
      }
      needFull = false;
      publish(tick);
      const applyMs = performance.now() - t0;
      stats.applySeconds += applyMs / 1000;
      stats.applyMaxMs = Math.max(stats.applyMaxMs, applyMs);
    };
    const newSampler = () =>
      new Sampler(config.procRoot, {
        scanTimeoutMs: Math.max(30_000, 10 * config.intervalMs),
        events:
          config.source === 'polling'
            ? null
            : { receiveBufferBytes: config.eventBufferBytes, watchMs: config.intervalMs },
        onSample: apply,
        onError: (err) => {
          stats.failures++;
          fastify.log.error({ err }, 'a sample of the event source failed');
          // The model may hold part of it: bring everything now.
          if (needFull) void enqueue();
        },
        onSource: (source) => {
          const changed =
            source.kind !== sourceStats.source.kind || source.reason !== sourceStats.source.reason;
          sourceStats.source = source;
          if (source.kind === 'polling') sourceStats.counters = null;
          model.setSource(source);
          if (source.kind === 'polling') {
            fastify.log.info(
              `process changes: polling every ${config.intervalMs} ms (${source.reason})`,
            );
          } else {
            fastify.log.info(
              `process changes: kernel events (proc connector), rescan every ${config.rescanMs} ms`,
            );
          }
          if (changed && model.lastSample && !closed) {
            publish(model.commit());
            // A source that fell back polls from now on, not at the rescan's pace.
            if (timer) {
              clearTimeout(timer);
              timer = setTimeout(loop, refreshEveryMs());
            }
          }
        },
      });
    let sampler = newSampler();

    const scanOnce = async (periodic: boolean) => {
      if (closed) return;
      try {
        const full = needFull;
        const rescan = sourceStats.source.kind === 'proc-connector';
        await sampler.scan(full, periodic);
        if (rescan) sourceStats.periodicRescans++;
      } catch (err) {
        if (closed) return;
        stats.failures++;
        lastError = (err as Error).message;
        fastify.log.error({ err }, 'scan failed');
        if (err instanceof SamplerError && err.fatal) {
          // A worker stuck in a /proc read may never stop: do not wait for it.
          void sampler.close().catch(() => {});
          sampler = newSampler();
        }
      }
    };
    // Scans never overlap: each waits for the previous one (timer or refresh) to be applied.
    const enqueue = (periodic = false) => {
      chain = chain
        .then(() => scanOnce(periodic))
        .catch((err: unknown) => {
          // A bug while applying one scan must not stop the next ones.
          stats.failures++;
          fastify.log.error({ err }, 'applying a scan failed');
        });
      return chain;
    };
    const loop = async () => {
      timer = null;
      const started = Date.now();
      await enqueue(true);
      if (!closed) timer = setTimeout(loop, Math.max(0, refreshEveryMs() - (Date.now() - started)));
    };

    // Docker events come in bursts (create, start, attach…): apply them together.
    let dockerTimer: NodeJS.Timeout | null = null;
    const unsubscribeDocker = docker.onChange(() => {
      dockerTimer ??= setTimeout(() => {
        dockerTimer = null;
        if (!closed && model.lastSample) publish(model.applyDocker(dockerView()));
      }, DOCKER_COALESCE_MS);
    });

    const service: ModelService = {
      state: () => model.state,
      findProcess: (pid) => model.findProcess(pid),
      children: (key) => {
        const p =
          typeof key === 'string'
            ? model.findByKey(key)
            : model.findByKey(`${key.pid}:${key.startTime}`);
        return p ? model.children(p) : [];
      },
      zombieAnalysis: (pid) => model.zombieAnalysis(pid),
      namespaceInit: (pidNs) => model.namespaceInit(pidNs),
      container: (id) => model.container(id),
      events: (since) => model.events(since),
      onTick: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      recordEvent: (e) => {
        model.recordEvent({ ...e, at: e.at ?? Date.now() });
        if (!closed) publish(model.commit());
      },
      refresh: () => enqueue(),
      signalled: (pids) => {
        if (sourceStats.source.kind === 'proc-connector') sampler.look(pids);
        else void enqueue();
      },
      scanStats: () => stats,
      sourceStats: () => sourceStats,
      lastSample: () => model.lastSample,
      refreshEveryMs,
    };
    fastify.decorate('model', service);

    await enqueue();
    if (!model.lastSample)
      // Almost always a --proc-root that is not a procfs mount (a directory with a `stat` file).
      throw new ConfigError(
        `${config.procRoot} cannot be scanned (is it a procfs mount?): the first scan failed: ${lastError}`,
      );
    timer = setTimeout(loop, refreshEveryMs());

    fastify.addHook('onClose', async () => {
      closed = true;
      stopClock();
      if (timer) clearTimeout(timer);
      if (dockerTimer) clearTimeout(dockerTimer);
      unsubscribeDocker();
      listeners.clear();
      await sampler.close();
    });
  },
  {
    name: 'pidscope-model',
    dependencies: ['pidscope-config', 'pidscope-docker', 'pidscope-history'],
  },
);
