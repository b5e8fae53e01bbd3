import { useEffect, useMemo, useState } from 'react';
import { useTransitionStore } from '../liveView.js';
import { CLOCK_MS, LiveStore, type StoreView } from '../model/store.js';
import { ApiError, fetchEvents } from '../net/api.js';
import {
  browserSocket,
  Connection,
  type ConnectionStatus,
  type SocketFactory,
} from '../net/connection.js';
import { markReceived } from '../perf.js';

export interface LiveConnectionOptions {
  /** The stream URL (ws://…/api/v1/stream). */
  streamUrl: string;
  /** Injected in tests; the browser's WebSocket otherwise. */
  socket?: SocketFactory;
  store?: LiveStore;
  /** The agent API root of the page ('' on an agent; a host's through a hub). */
  apiRoot?: string;
}

export interface LiveConnection {
  view: StoreView;
  status: ConnectionStatus;
  /** What the page tells its user about the stream (e.g. a refused session), or null. */
  problem: string | null;
}

/** Whether the agent answers this page's session with 401 (it restarted with another token). */
function sessionRefused(root: string): Promise<boolean> {
  return fetchEvents({ since: Date.now() }, undefined, root).then(
    () => false,
    (err: unknown) => err instanceof ApiError && err.status === 401,
  );
}

/**
 * The agent's stream, kept open for the page's life: the connection's states go into the store,
 * whose view renders as a transition; the store's clock ticks here too.
 */
export function useLiveConnection(opts: LiveConnectionOptions): LiveConnection {
  const { streamUrl, socket } = opts;
  const root = opts.apiRoot ?? '';
  const store = useMemo(() => opts.store ?? new LiveStore(), [opts.store]);
  const view = useTransitionStore(store);
  const [status, setStatus] = useState<ConnectionStatus>('reconnecting');
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let lastEventAt = 0;
    const backfill = () => {
      fetchEvents({ since: lastEventAt }, undefined, root).then(
        (events) => store.addEvents(events, Date.now()),
        () => undefined,
      );
    };
    const conn = new Connection({
      url: streamUrl,
      socket: socket ?? browserSocket,
      ...(socket ? {} : { sessionRefused: () => sessionRefused(root) }),
      handlers: {
        hello: (h) => store.setHello(h),
        snapshot: (s) => {
          markReceived('snapshot', s.seq);
          store.showSnapshot(s, Date.now());
          // [T7] Events travel only in patches: fetch the ones missed while away.
          if (!socket) backfill();
        },
        patch: (s, events) => {
          markReceived('patch', s.seq);
          store.showPatch(s, events, Date.now());
          const last = events[events.length - 1];
          if (last) lastEventAt = last.at;
        },
        status: setStatus,
        problem: setProblem,
      },
    });
    conn.start();
    // The store keeps the clock too: one render per tick or patch, not one for it and one here.
    // Checked four times a second; it commits only when no patch moved it for a second.
    const clock = setInterval(() => store.tick(Date.now()), CLOCK_MS / 4);
    return () => {
      clearInterval(clock);
      conn.stop();
    };
  }, [store, streamUrl, socket, root]);

  return { view, status, problem };
}
