import { join } from 'node:path';
import {
  HistoryError,
  HistoryStore,
  historyDiff,
  Recorder,
  type TickSource,
} from '@pidscope/history';
import { readPidStat } from '@pidscope/procfs';
import type {
  Container,
  Event,
  EventsAnswer,
  EventType,
  HistoryDiff,
  HistoryRange,
  HistorySeries,
  HistoryState,
  RecordingStatus,
  ZombieLeaders,
} from '@pidscope/protocol';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AgentError } from '../errors.js';
import { rankLeaders } from '../model/leaders.js';
import type { ModelService } from './model.js';

export interface EventFilter {
  since?: number;
  until?: number;
  types?: ReadonlySet<EventType>;
  containerId?: string;
  limit: number;
}

export interface HistoryService {
  /** The id the model's first event takes: one past the highest recorded. */
  readonly firstEventId: number;
  status(): RecordingStatus;
  range(): HistoryRange;
  /** Throws the catalogue's notRecorded (nothing then) or historyOff (no store). */
  stateAt(at: number): HistoryState;
  diff(from: number, to: number): HistoryDiff;
  /** From the store across restarts, and from the model for what is not written yet. */
  events(filter: EventFilter): Omit<EventsAnswer, 'now'>;
  series(from: number, to: number, points: number): HistorySeries;
  /** Who leaks zombies over the last hour or day ([H9]). */
  leaders(window: '1h' | '24h'): ZombieLeaders;
}

declare module 'fastify' {
  interface FastifyInstance {
    history: HistoryService;
  }
}

/**
 * The model's ticks as the recorder takes them: stamped when published, since a moment replays as
 * a stream client held it then ([H2]). A tick's own time is when its reading began; under load the
 * main thread publishes it hundreds of ms later, and a replay of a moment in between would show
 * changes not shown yet, or not made yet (a zombie reaped after the moment, gone at it).
 */
export function publishedTicks(model: Pick<ModelService, 'state' | 'onTick'>): TickSource {
  return {
    state: () => model.state(),
    onTick: (listener) =>
      model.onTick((tick) =>
        listener({ state: tick.state, patch: tick.patch, at: Date.now(), cause: tick.cause }),
      ),
  };
}

/**
 * Opens the history store under the data directory (moving an unreadable one aside) before the
 * model starts, so event ids go on from the recorded ones; starts recording the model's ticks once
 * everything is ready. Without a usable store the agent runs on, with recording off and a reason.
 */
export default fp(
  async function historyPlugin(fastify: FastifyInstance) {
    const { config } = fastify;
    const dir = join(config.dataDir, 'history');
    const self = readPidStat(process.pid, config.procRoot);
    let store: HistoryStore | null = null;
    let off: RecordingStatus | null = null;
    if (config.maxDiskBytes === 0) {
      off = { state: 'off', reason: 'PIDSCOPE_MAX_DISK is 0', since: Date.now() };
    } else {
      try {
        const opened = HistoryStore.openOrMoveAside({
          dir,
          owner: { pid: process.pid, startTime: self?.startTime ?? 0 },
          isAlive: (o) => readPidStat(o.pid, config.procRoot)?.startTime === o.startTime,
          retentionMs: config.retentionMs,
          maxBytes: config.maxDiskBytes,
          log: (m) => fastify.log.warn(m),
        });
        store = opened.store;
        if (opened.movedTo) {
          fastify.log.error(`history: ${dir} could not be read; moved to ${opened.movedTo}`);
        }
      } catch (err) {
        // Served by /healthz, so a fixed phrase; the details go to the log.
        const reason =
          err instanceof HistoryError && err.code === 'ELOCKED'
            ? 'another agent records into the data directory'
            : err instanceof HistoryError && err.code === 'EFULL'
              ? 'disk full'
              : 'the data directory cannot be used';
        off = { state: 'off', reason, since: Date.now() };
        fastify.log.error(
          `history: not recording (${(err as Error).message}); the live view goes on`,
        );
      }
    }
    let recorder: Recorder | null = null;

    const need = (): HistoryStore => {
      if (!store) throw new AgentError('HISTORY_OFF', 'history is not being recorded');
      return store;
    };
    const stateAt = (at: number): HistoryState => {
      try {
        return { at, ...need().stateAt(at) };
      } catch (err) {
        if (err instanceof HistoryError && err.code === 'ERANGE')
          throw new AgentError('NOT_RECORDED', err.message.replace(/^ERANGE \S+: /, ''));
        throw err;
      }
    };
    const matches = (e: Event, f: EventFilter): boolean =>
      e.at >= (f.since ?? 0) &&
      e.at <= (f.until ?? Number.POSITIVE_INFINITY) &&
      (!f.types || f.types.has(e.type)) &&
      (!f.containerId || (e.containerId?.startsWith(f.containerId) ?? false));

    const service: HistoryService = {
      firstEventId: (store?.lastEventId ?? 0) + 1,
      status: () => off ?? recorder?.status() ?? { state: 'off', reason: 'starting', since: 0 },
      range: () => {
        const range = store?.range() ?? { from: null, to: null, bytes: 0, keyframes: 0 };
        const recording = service.status();
        // A frame is written only when something changed (a quiet host under kernel events may
        // send nothing for minutes); while recording, the last recorded state holds until now.
        const to =
          range.to !== null && recording.state === 'recording'
            ? Math.max(range.to, Date.now())
            : range.to;
        return { ...range, to, recording };
      },
      stateAt,
      diff: (from, to) => {
        if (from > to) throw new AgentError('BAD_QUERY', `from (${from}) is after to (${to})`);
        const a = stateAt(from);
        const b = stateAt(to);
        const events = service.events({ since: from + 1, until: to, limit: 1000 });
        return historyDiff(a.state, b.state, from, to, events);
      },
      events: (f) => {
        const recorded = store?.events(f) ?? { events: [], more: false };
        // The last second is still queued, and a paused recording misses more: the model's ring
        // of recent events fills in, by id.
        const ids = new Set(recorded.events.map((e) => e.id));
        const fresh = fastify.model
          .events(f.since ?? 0)
          .filter((e) => !ids.has(e.id) && matches(e, f));
        if (fresh.length === 0) return recorded;
        const all = [...recorded.events, ...fresh].sort((a, b) => a.at - b.at || a.id - b.id);
        const more = recorded.more || all.length > f.limit;
        return { events: all.slice(Math.max(0, all.length - f.limit)), more };
      },
      series: (from, to, points) => {
        if (from >= to)
          throw new AgentError('BAD_QUERY', `from (${from}) is not before to (${to})`);
        return need().series(from, to, points);
      },
      leaders: (window) => {
        const to = Date.now();
        const windowMs = window === '24h' ? 86_400_000 : 3_600_000;
        const { events } = service.events({
          since: to - windowMs,
          until: to,
          types: new Set(['zombie-appeared', 'zombie-reaped']),
          limit: Number.MAX_SAFE_INTEGER,
        });
        // A container gone since is named as it was when its last zombie appeared.
        const past = new Map<string, Container | undefined>();
        const container = (id: string): Container | undefined => {
          const live = fastify.model.container(id);
          if (live || !store) return live;
          if (!past.has(id)) {
            const last = events.findLast((e) => e.containerId === id);
            let found: Container | undefined;
            try {
              found = last && store.stateAt(last.at).state.containers.find((c) => c.id === id);
            } catch {
              found = undefined;
            }
            past.set(id, found);
          }
          return past.get(id);
        };
        const leaders = rankLeaders({
          events,
          processes: fastify.model.state().processes,
          container,
          windowMs,
          now: to,
        });
        return { window, from: to - windowMs, to, leaders };
      },
    };
    fastify.decorate('history', service);

    fastify.addHook('onReady', async () => {
      if (!store) return;
      recorder = new Recorder(store, publishedTicks(fastify.model), {
        log: { warn: (m) => fastify.log.warn(m), error: (m) => fastify.log.error(m) },
      });
      await recorder.start();
    });
    fastify.addHook('onClose', async () => {
      await recorder?.close();
      await store?.close();
    });
  },
  { name: 'pidscope-history', dependencies: ['pidscope-config'] },
);
