// A tiny stand-in for the agent: serves the built UI and speaks the stream protocol with a
// synthetic host (hello → snapshot → one patch per tick). Used by the benchmark, and by hand:
//   node apps/web/bench/server.mjs [--port 7080] [--processes 5000] [--kubernetes]
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  applyPatch,
  diff,
  inContainerPid,
  isNamespaceInit,
  PROTOCOL_VERSION,
} from '@pidscope/protocol';
import { WebSocketServer } from 'ws';
import { createSyntheticHost } from './synthetic.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const DIST = join(here, '..', 'dist');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

/** Answers with the built UI's file at `pathname` (`/` is index.html), or 404. */
export function serveBuilt(pathname, res) {
  const file = join(DIST, normalize(pathname === '/' ? '/index.html' : pathname));
  if (!file.startsWith(DIST) || !existsSync(file) || !statSync(file).isFile()) {
    res.statusCode = 404;
    res.end('not found');
    return;
  }
  res.setHeader('content-type', TYPES[extname(file)] ?? 'application/octet-stream');
  createReadStream(file).pipe(res);
}

/**
 * Starts the server on 127.0.0.1. `tickMs` 0 means patches are sent only when `tick()` is
 * called (the benchmark drives them). `shape` is the synthetic host's (synthetic.mjs).
 */
export async function startServer({
  port = 0,
  processes = 5000,
  tickMs = 1000,
  shape = 'docker',
} = {}) {
  const host = createSyntheticHost({ processes, shape });
  // The state served (snapshots, process details). Patches made ahead by prepare() are applied
  // to it only when it is read, so the benchmark holds one state, not one per prepared tick.
  let served = host.state();
  let unapplied = [];
  const current = () => {
    for (const patch of unapplied) served = applyPatch(served, JSON.parse(patch));
    unapplied = [];
    return served;
  };
  const sockets = new Set();
  const recentEvents = [];

  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/v1/events') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(recentEvents));
      return;
    }
    const m = /^\/api\/v1\/processes\/(\d+)$/.exec(url.pathname);
    if (m) {
      const state = current();
      const pid = Number(m[1]);
      const p = state.processes.find((x) => x.pid === pid);
      if (!p) {
        res.statusCode = 404;
        res.end(JSON.stringify({ message: `no process ${pid}` }));
        return;
      }
      const parent = state.processes.find((x) => x.pid === p.ppid) ?? null;
      const analysis =
        p.state === 'Z'
          ? {
              pid,
              startTime: p.startTime,
              nsPid: inContainerPid(p),
              zombieSince: p.zombieSince,
              ageMs: Date.now() - p.zombieSince,
              containerId: p.containerId,
              parent: parent && {
                pid: parent.pid,
                startTime: parent.startTime,
                comm: parent.comm,
                cmdline: parent.cmdline,
                isContainerInit: isNamespaceInit(parent),
                isHostInit: parent.pid === 1,
              },
              initReaps: false,
              initComm: parent?.comm ?? null,
              fix: 'Its parent never calls wait(); restart the container with --init.',
            }
          : null;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          process: p,
          children: state.processes.filter((x) => x.ppid === pid),
          analysis,
        }),
      );
      return;
    }
    serveBuilt(url.pathname, res);
  });

  const wss = new WebSocketServer({ server: http, path: '/api/v1/stream' });
  wss.on('connection', (ws) => {
    const state = current();
    const client = { ws, seq: state.seq };
    sockets.add(client);
    ws.on('message', (raw) => {
      let msg;
      try {
        msg = JSON.parse(String(raw));
      } catch {
        return;
      }
      if (msg?.type === 'resync') {
        const now = current();
        client.seq = now.seq;
        ws.send(JSON.stringify({ type: 'snapshot', seq: now.seq, state: now }));
      }
    });
    ws.on('close', () => sockets.delete(client));
    ws.send(
      JSON.stringify({
        type: 'hello',
        protocolVersion: PROTOCOL_VERSION,
        hostname: state.host.hostname,
        kernel: 'synthetic',
        agentVersion: 'bench',
        capabilities: [],
        docker: state.docker,
        readOnly: true,
        intervalMs: tickMs || 1000,
      }),
    );
    ws.send(JSON.stringify({ type: 'snapshot', seq: state.seq, state }));
  });

  // Ticks made ahead by prepare(): their events and serialised patches (no states: 120 of them
  // held 180 MB, and collecting that heap took CPU from the browser being measured).
  const ahead = [];
  let newest = served;
  const advance = (quiet = false) => {
    const next = quiet ? host.quietTick() : host.tick();
    const d = diff(newest, next.state, next.events);
    const patch = JSON.stringify(d);
    newest = next.state;
    const changed = { added: d.added.length, updated: d.updated.length, removed: d.removed.length };
    return { events: next.events, patch, changed };
  };

  /**
   * Makes the next `n` ticks now, so that `tick()` only sends: the benchmark's own work then does
   * not compete with the browser for the CPU while frames are counted.
   */
  const prepare = (n, { quiet = false } = {}) => {
    for (let i = 0; i < n; i++) ahead.push(advance(quiet));
  };

  /** What the last patch sent changed: processes added, updated and removed. */
  let lastChanged = { added: 0, updated: 0, removed: 0 };

  /** Advances the synthetic host one tick and sends the patch; answers its size in bytes. */
  const tick = () => {
    const made = ahead.shift();
    const { events, patch, changed } = made ?? advance();
    lastChanged = changed;
    if (made) unapplied.push(patch);
    else {
      // Nothing was made ahead: the newest state is the one just sent.
      served = newest;
      unapplied = [];
    }
    recentEvents.push(...events);
    if (recentEvents.length > 1000) recentEvents.splice(0, recentEvents.length - 1000);
    for (const c of sockets) {
      if (c.ws.readyState === 1) c.ws.send(patch);
    }
    return patch.length;
  };

  const timer = tickMs > 0 ? setInterval(tick, tickMs) : null;
  await new Promise((resolve) => http.listen(port, '127.0.0.1', resolve));
  const address = http.address();
  return {
    url: `http://127.0.0.1:${address.port}/`,
    tick,
    prepare,
    lastChanged: () => lastChanged,
    snapshotBytes: () => {
      const state = current();
      return JSON.stringify({ type: 'snapshot', seq: state.seq, state }).length;
    },
    close: async () => {
      if (timer) clearInterval(timer);
      for (const c of sockets) c.ws.terminate();
      wss.close();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : dflt;
  };
  const server = await startServer({
    port: arg('port', 7080),
    processes: arg('processes', 5000),
    shape: process.argv.includes('--kubernetes') ? 'kubernetes' : 'docker',
  });
  console.log(`synthetic pidscope on ${server.url}`);
}
