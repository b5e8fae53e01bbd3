import { parseFleetMessage, STALE_AFTER_MS } from '@pidscope/protocol';
import { useEffect, useState } from 'react';
import { browserSocket, type SocketFactory, type SocketLike } from '../../net/connection.js';
import { applyFleetMessage, type FleetHosts, NO_HOSTS } from './fleetState.js';

export interface Fleet {
  hosts: FleetHosts;
  /** The overview's own stream: 'live' once the hub sent its hosts. */
  status: 'live' | 'reconnecting';
  /** The browser's clock, ticking every second (for "down for 2 min"). */
  now: number;
}

export function fleetStreamUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/v1/fleet/stream`;
}

/**
 * The hub's fleet stream ([F9]), kept open for the page's life: reconnects with backoff (0.5 s
 * doubling to 10 s), and after STALE_AFTER_MS without a message (the hub sends a heartbeat every
 * 10 s).
 */
export function useFleet(url: string, socket: SocketFactory = browserSocket): Fleet {
  const [hosts, setHosts] = useState<FleetHosts>(NO_HOSTS);
  const [status, setStatus] = useState<Fleet['status']>('reconnecting');
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    let ws: SocketLike | null = null;
    let stopped = false;
    let attempt = 0;
    let heardAt = Date.now();
    let retry: ReturnType<typeof setTimeout> | null = null;
    const open = () => {
      if (stopped) return;
      heardAt = Date.now();
      const s = socket(url);
      ws = s;
      s.onmessage = (ev) => {
        if (ws !== s) return;
        heardAt = Date.now();
        try {
          const msg = parseFleetMessage(String(ev.data));
          if (msg.type === 'hosts') {
            attempt = 0;
            setStatus('live');
          }
          setHosts((h) => applyFleetMessage(h, msg));
        } catch {
          // Unreadable: a fresh connection starts again from the whole list.
          s.send(JSON.stringify({ type: 'resync' }));
        }
      };
      const lost = () => {
        if (ws !== s) return;
        ws = null;
        setStatus('reconnecting');
        const delay = Math.min(10_000, 500 * 2 ** attempt++) * (0.5 + Math.random() / 2);
        retry = setTimeout(open, delay);
      };
      s.onclose = lost;
      s.onerror = lost;
      s.onopen = null;
    };
    open();
    const clock = setInterval(() => {
      const t = Date.now();
      setNow(t);
      if (ws && t - heardAt > STALE_AFTER_MS) {
        const stale = ws;
        ws = null;
        stale.close();
        open();
      }
    }, 1000);
    return () => {
      stopped = true;
      clearInterval(clock);
      if (retry) clearTimeout(retry);
      const s = ws;
      ws = null;
      s?.close();
    };
  }, [url, socket]);

  return { hosts, status, now };
}
