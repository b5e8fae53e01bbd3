// A synthetic host for the UI benchmark and for looking at the UI without an agent: systemd,
// kthreadd with kernel threads, sshd sessions, and Docker containers under containerd-shim, some
// with zombies. Deterministic for a given seed. `tick()` mutates it like a busy host: processes
// start and exit, memory moves, now and then a zombie appears or an orphan is adopted.

import { inContainerPid } from '@pidscope/protocol';
import { TEST_HOST_PID_NS, TEST_NAMESPACES, testProcess } from '@pidscope/protocol/testing';

const HEX = '0123456789abcdef';

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createSyntheticHost({ processes = 5000, containers = 24, seed = 7 } = {}) {
  const rand = rng(seed);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  let nextPid = 1;
  let clock = 1000;
  let seq = 1;
  let eventId = 1;
  const procs = new Map();
  const ctrs = [];
  const events = [];

  const add = (ppid, comm, extra = {}) => {
    const pid = nextPid++;
    clock += 1;
    const p = testProcess({
      pid,
      ppid,
      comm,
      cmdline: extra.kernelThread ? [] : [comm, ...(extra.args ?? [])],
      startTime: clock,
      threads: extra.threads ?? 1,
      uid: extra.uid ?? 0,
      kernelThread: extra.kernelThread ?? false,
      nsPids: extra.nsPids ?? [pid],
      pidNs: extra.pidNs ?? TEST_HOST_PID_NS,
      containerId: extra.containerId ?? null,
      runtime: extra.containerId ? 'docker' : null,
      rssBytes: extra.kernelThread ? 0 : Math.floor(rand() * 200_000_000),
    });
    procs.set(pid, p);
    return p;
  };

  const init = add(0, 'systemd', { args: ['--system'] });
  const kthreadd = add(0, 'kthreadd', { kernelThread: true });
  for (let i = 0; i < 180; i++) {
    add(kthreadd.pid, pick(['kworker/0:1', 'ksoftirqd/1', 'migration/0', 'rcu_gp', 'kswapd0']), {
      kernelThread: true,
    });
  }
  for (const d of ['systemd-journal', 'systemd-udevd', 'cron', 'rsyslogd', 'dbus-daemon']) {
    add(init.pid, d);
  }
  const dockerd = add(init.pid, 'dockerd', { args: ['-H', 'fd://'], threads: 30 });
  const containerd = add(init.pid, 'containerd', { threads: 20 });
  const sshd = add(init.pid, 'sshd', { args: ['-D'] });
  void dockerd;

  for (let c = 0; c < containers; c++) {
    let id = '';
    for (let i = 0; i < 64; i++) id += HEX[Math.floor(rand() * 16)];
    const hasInit = c % 3 === 0;
    const name = `${pick(['api', 'web', 'worker', 'cache', 'queue', 'batch'])}-${c}`;
    const shim = add(init.pid, 'containerd-shim', {
      args: ['-namespace', 'moby', '-id', id],
      threads: 10,
    });
    const pidNs = 4026532000 + c;
    let nsNext = 1;
    const inCtr = (ppid, comm, args) =>
      add(ppid, comm, { containerId: id, pidNs, args, nsPids: [nextPid, nsNext++] });
    const pid1 = hasInit
      ? inCtr(shim.pid, 'docker-init', ['--', 'node', 'server.js'])
      : inCtr(shim.pid, pick(['node', 'python3', 'sh']), ['server']);
    const app = hasInit ? inCtr(pid1.pid, 'node', ['server.js']) : pid1;
    ctrs.push({
      id,
      name,
      image: pick(['node:20-slim', 'python:3.12', 'nginx:1.27', 'redis:7']),
      state: 'running',
      runtime: 'docker',
      initPid: pid1.pid,
      hasInit,
      pidNamespace: pidNs,
      sharesPidNamespaceWith: [],
      hostPidNamespace: false,
      execs: [],
      namespaces: TEST_NAMESPACES,
      pidsCurrent: 0,
      pidsMax: c % 4 === 1 ? 256 : null,
      forkFailures: 0,
      pidsPeak: null,
      labels: { 'io.pidscope.synthetic': 'true' },
      etaSeconds: null,
      _app: app.pid,
      _ns: () => nsNext++,
    });
  }
  void containerd;

  // Fill up to the requested count with workers in containers and shell sessions on the host.
  while (procs.size < processes) {
    if (rand() < 0.7) {
      const c = pick(ctrs);
      add(c._app, pick(['worker', 'node', 'gunicorn', 'sh']), {
        containerId: c.id,
        pidNs: c.pidNamespace,
        args: ['--job', String(procs.size)],
        nsPids: [nextPid, c._ns()],
      });
    } else {
      const sess = add(sshd.pid, 'sshd', { args: ['user@pts/0'], uid: 1000 });
      const sh = add(sess.pid, 'bash', { uid: 1000 });
      if (procs.size < processes) add(sh.pid, pick(['vim', 'top', 'less', 'tail']), { uid: 1000 });
    }
  }

  // A few zombies whose parents never wait, inside containers without an init.
  const noInit = ctrs.filter((c) => !c.hasInit);
  for (let i = 0; i < 3 && i < noInit.length; i++) {
    const c = noInit[i];
    const z = add(c.initPid, 'sleep', {
      containerId: c.id,
      pidNs: c.pidNamespace,
      nsPids: [nextPid, c._ns()],
    });
    z.state = 'Z';
    z.cmdline = [];
    z.rssBytes = 0;
    z.zombieSince = Date.now() - 90_000;
  }

  const recount = (host) => {
    let zombies = 0;
    let kernelThreads = 0;
    let tasks = 0;
    for (const p of procs.values()) {
      if (p.state === 'Z') zombies++;
      if (p.kernelThread) kernelThreads++;
      tasks += p.threads;
    }
    for (const c of ctrs) {
      let n = 0;
      for (const p of procs.values()) if (p.containerId === c.id) n += p.threads;
      c.pidsCurrent = n;
    }
    host.tasks = tasks;
    host.processes = procs.size;
    host.zombies = zombies;
    host.kernelThreads = kernelThreads;
    host.headroom = Math.min(host.pidMax - 300, host.threadsMax) - tasks;
  };

  const host = {
    hostname: 'synthetic-5k',
    pidMax: 4194304,
    threadsMax: 254000,
    tasks: 0,
    processes: 0,
    zombies: 0,
    kernelThreads: 0,
    headroom: 0,
    etaSeconds: null,
    namespaces: TEST_NAMESPACES,
    pidNamespace: TEST_HOST_PID_NS,
    source: 'proc-connector',
    sourceReason: null,
  };
  recount(host);

  const publicContainer = (c) => {
    const { _app, _ns, ...rest } = c;
    void _app;
    void _ns;
    return { ...rest };
  };

  const state = () => ({
    seq,
    host: { ...host },
    docker: { available: true, reason: null, version: '20.10.24' },
    containers: ctrs.map(publicContainer).sort((a, b) => (a.id < b.id ? -1 : 1)),
    processes: [...procs.values()]
      .map((p) => ({ ...p, cmdline: [...p.cmdline], nsPids: [...p.nsPids] }))
      .sort((a, b) => a.pid - b.pid || a.startTime - b.startTime),
  });

  const event = (type, p, extra) => {
    const e = {
      id: eventId++,
      type,
      at: Date.now(),
      pid: p.pid,
      startTime: p.startTime,
      containerId: p.containerId,
      comm: p.comm,
      message: `${type}: ${p.comm} ${p.pid}`,
      ...extra,
    };
    const nsPid = inContainerPid(p);
    if (nsPid !== null) e.nsPid = nsPid;
    events.push(e);
  };

  /** One second of a busy host: churn 1 % of user processes, move memory, a zombie or an adoption. */
  const tick = () => {
    seq++;
    const leaves = [...procs.values()].filter(
      (p) => !p.kernelThread && p.pid > 10 && p.state !== 'Z',
    );
    const childCount = new Map();
    for (const p of procs.values()) childCount.set(p.ppid, (childCount.get(p.ppid) ?? 0) + 1);
    const churn = Math.max(1, Math.floor(procs.size / 100));
    for (let i = 0; i < churn; i++) {
      const p = pick(leaves);
      if (!p || childCount.get(p.pid) || ctrs.some((c) => c.initPid === p.pid || c._app === p.pid))
        continue;
      if (!procs.has(p.pid)) continue;
      procs.delete(p.pid);
      event('exited', p);
    }
    while (procs.size < processes) {
      const c = pick(ctrs);
      const p = add(c._app, 'worker', {
        containerId: c.id,
        pidNs: c.pidNamespace,
        args: ['--job', String(seq)],
        nsPids: [nextPid, c._ns()],
      });
      void p;
    }
    for (let i = 0; i < 50; i++) {
      const p = pick(leaves);
      if (p && procs.has(p.pid)) p.rssBytes = Math.floor(rand() * 200_000_000);
    }
    if (seq % 5 === 0) {
      const c = pick(noInit);
      const victims = [...procs.values()].filter(
        (p) => p.containerId === c.id && p.ppid === c._app && p.state === 'S' && p.pid !== c._app,
      );
      const z = victims[0];
      if (z) {
        z.state = 'Z';
        z.cmdline = [];
        z.rssBytes = 0;
        z.zombieSince = Date.now();
        event('zombie-appeared', z);
      }
    }
    if (seq % 7 === 0) {
      const sessions = [...procs.values()].filter((p) => p.comm === 'bash');
      const sh = pick(sessions);
      if (sh) {
        const kids = [...procs.values()].filter((p) => p.ppid === sh.pid);
        procs.delete(sh.pid);
        event('exited', sh);
        for (const k of kids) {
          const oldPpid = k.ppid;
          k.ppid = init.pid;
          event('reparented', k, { oldPpid, newPpid: init.pid, newParentKind: 'host-init' });
        }
      }
    }
    recount(host);
    const out = events.splice(0);
    return { state: state(), events: out };
  };

  /** One second of a quiet host: nothing changes, and the agent still sends its patch. */
  const quietTick = () => {
    seq++;
    return { state: state(), events: [] };
  };

  return { state, tick, quietTick };
}
