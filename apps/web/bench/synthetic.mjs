// A synthetic host for the UI benchmark and for looking at the UI without an agent: systemd,
// kthreadd with kernel threads, sshd sessions, and Docker containers under containerd-shim, some
// with zombies. Deterministic for a given seed. `tick()` mutates it like a busy host: processes
// start and exit, memory moves, now and then a zombie appears or an orphan is adopted.
// `shape: 'kubernetes'` makes a big Kubernetes node instead (see KUBERNETES), whose ticks also move
// the CPU and memory of a busy share of its processes, by steps the agent would send.

import { CPU_FRACTION, CPU_STEP, cpuNews, inContainerPid } from '@pidscope/protocol';
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

/**
 * A big Kubernetes node, per second: what changes and how much. A sixth of the processes are busy
 * (servers and workers doing something; the rest sleep at 0 % CPU), and each second a quarter of
 * the busy ones (a twentieth of all) move their CPU and another quarter their resident memory, by
 * steps past the agent's deadbands (CPU: max(CPU_STEP points, CPU_FRACTION of the value), see
 * cpuNews; memory: 64 KiB and 1 %), which is what reaches the page: jitter inside them is never
 * sent. One process in 400 exits and is replaced each second (jobs, probes, shells).
 */
export const KUBERNETES = {
  busyShare: 1 / 6,
  cpuShare: 0.05,
  rssShare: 0.05,
  churnShare: 0.0025,
  /** Processes per pod, and app containers per pod besides its pause container. */
  processesPerPod: 120,
  appContainersPerPod: [1, 3],
  /** Kernel threads, as a share of the processes (a many-core node has hundreds). */
  kernelThreadShare: 0.03,
  /** Zombies at start, as a share of the processes, left by app containers without an init. */
  zombieShare: 0.002,
};

/** The agent's resident-memory deadband (apps/agent's sampler): a smaller move is not sent. */
const RSS_DEADBAND = { fraction: 0.01, bytes: 64 * 1024 };

export function createSyntheticHost({
  processes = 5000,
  containers = 24,
  seed = 7,
  shape = 'docker',
} = {}) {
  const kube = shape === 'kubernetes';
  const rand = rng(seed);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  let nextPid = 1;
  let clock = 1000;
  let seq = 1;
  let eventId = 1;
  const procs = new Map();
  const ctrs = [];
  /** Kubernetes: the processes whose CPU and memory move (a busy share of them). */
  const busy = [];
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
      runtime: extra.containerId ? (kube ? 'containerd' : 'docker') : null,
      rssBytes: extra.kernelThread ? 0 : Math.floor(rand() * 200_000_000),
    });
    if (kube && !extra.kernelThread && rand() < KUBERNETES.busyShare) {
      p.cpu = 1 + Math.floor(rand() ** 2 * 150);
      busy.push(p);
    }
    procs.set(pid, p);
    return p;
  };
  const hexId = (n) => {
    let id = '';
    for (let i = 0; i < n; i++) id += HEX[Math.floor(rand() * 16)];
    return id;
  };
  /** A container's record; `_app` is where its workers are forked, `_ns` its next in-container PID. */
  const container = (c, { id, name, image, pid1, hasInit, app, pidNs, ns }) => ({
    id,
    name,
    image,
    state: 'running',
    runtime: kube ? 'containerd' : 'docker',
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
    _ns: ns,
  });

  const init = add(0, 'systemd', { args: ['--system'] });
  const kthreadd = add(0, 'kthreadd', { kernelThread: true });
  const kernelThreads = kube ? Math.round(processes * KUBERNETES.kernelThreadShare) : 180;
  for (let i = 0; i < kernelThreads; i++) {
    add(kthreadd.pid, pick(['kworker/0:1', 'ksoftirqd/1', 'migration/0', 'rcu_gp', 'kswapd0']), {
      kernelThread: true,
    });
  }
  for (const d of ['systemd-journal', 'systemd-udevd', 'cron', 'rsyslogd', 'dbus-daemon']) {
    add(init.pid, d);
  }

  const dockerHost = () => {
    const dockerd = add(init.pid, 'dockerd', { args: ['-H', 'fd://'], threads: 30 });
    const containerd = add(init.pid, 'containerd', { threads: 20 });
    const sshd = add(init.pid, 'sshd', { args: ['-D'] });
    void dockerd;

    for (let c = 0; c < containers; c++) {
      const id = hexId(64);
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
      const image = pick(['node:20-slim', 'python:3.12', 'nginx:1.27', 'redis:7']);
      ctrs.push(container(c, { id, name, image, pid1, hasInit, app, pidNs, ns: () => nsNext++ }));
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
        if (procs.size < processes)
          add(sh.pid, pick(['vim', 'top', 'less', 'tail']), { uid: 1000 });
      }
    }

    // A few zombies whose parents never wait, inside containers without an init.
    const leaky = ctrs.filter((c) => !c.hasInit);
    for (let i = 0; i < 3 && i < leaky.length; i++) {
      const c = leaky[i];
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
  };

  /**
   * A big Kubernetes node: containerd and the kubelet; per pod, one shim holding the pod's pause
   * container and its app containers, each in its own PID namespace. App containers come in three
   * shapes: wide (a server master and its workers, which most of the node's processes are), deep (a
   * CI job's chain of shells and compilers, 15 to 60 levels) and plain (an app and a few children).
   */
  const kubernetesHost = () => {
    add(init.pid, 'containerd', { threads: 40 });
    add(init.pid, 'kubelet', { args: ['--config', '/var/lib/kubelet/config.yaml'], threads: 60 });
    const sshd = add(init.pid, 'sshd', { args: ['-D'] });
    const zombies = Math.round(processes * KUBERNETES.zombieShare);
    const pods = Math.max(1, Math.round(processes / KUBERNETES.processesPerPod));
    const [fewest, most] = KUBERNETES.appContainersPerPod;
    const wide = [];
    const plain = [];
    for (let pod = 0; pod < pods; pod++) {
      const podName = `${pick(['api', 'web', 'ingest', 'search', 'billing', 'ci-runner'])}-${hexId(5)}`;
      const shim = add(init.pid, 'containerd-shim-runc-v2', {
        args: ['-namespace', 'k8s.io', '-id', hexId(64)],
        threads: 12,
      });
      const apps = fewest + Math.floor(rand() * (most - fewest + 1));
      for (let a = 0; a <= apps; a++) {
        const c = ctrs.length;
        const id = hexId(64);
        const pidNs = 4026532000 + c;
        let nsNext = 1;
        const ns = () => nsNext++;
        const inCtr = (ppid, comm, args) =>
          add(ppid, comm, { containerId: id, pidNs, args, nsPids: [nextPid, ns()] });
        if (a === 0) {
          const pause = inCtr(shim.pid, 'pause', []);
          const spec = { id, name: `${podName}/pause`, image: 'registry.k8s.io/pause:3.9' };
          ctrs.push(container(c, { ...spec, pid1: pause, hasInit: true, app: pause, pidNs, ns }));
          continue;
        }
        const kind = rand() < 0.35 ? 'wide' : rand() < 0.2 ? 'deep' : 'plain';
        const hasInit = rand() < 0.25;
        const server = {
          wide: ['gunicorn', 'nginx', 'php-fpm'],
          deep: ['bash'],
          plain: ['node', 'java', 'python3'],
        }[kind];
        const pid1 = hasInit
          ? inCtr(shim.pid, 'tini', ['--', 'app'])
          : inCtr(shim.pid, pick(server), ['app']);
        const app = hasInit ? inCtr(pid1.pid, pick(server), ['app']) : pid1;
        const image = pick(['python:3.12', 'nginx:1.27', 'node:20-slim', 'eclipse-temurin:21']);
        const name = `${podName}/${kind === 'deep' ? 'job' : 'app'}-${a}`;
        const ctr = container(c, { id, name, image, pid1, hasInit, app, pidNs, ns });
        ctrs.push(ctr);
        if (kind === 'wide') wide.push(ctr);
        if (kind === 'plain') plain.push(ctr);
        if (kind === 'deep') {
          const depth = 15 + Math.floor(rand() * 46);
          let up = app;
          for (let d = 0; d < depth && procs.size < processes - zombies; d++) {
            up = inCtr(up.pid, pick(['make', 'sh', 'bash', 'npm', 'node', 'cc1']), ['-j4']);
          }
        }
      }
    }
    // Fill up: workers of the wide servers, children of the plain apps, sessions on the host.
    const into = (c, comm) =>
      add(c._app, comm, {
        containerId: c.id,
        pidNs: c.pidNamespace,
        args: ['--job', String(procs.size)],
        nsPids: [nextPid, c._ns()],
      });
    while (procs.size < processes - zombies) {
      const r = rand();
      if (r < 0.8 && wide.length) into(pick(wide), 'worker');
      else if (r < 0.99 && plain.length) into(pick(plain), pick(['sh', 'node', 'curl']));
      else {
        const sess = add(sshd.pid, 'sshd', { args: ['user@pts/0'], uid: 1000 });
        const sh = add(sess.pid, 'bash', { uid: 1000 });
        if (procs.size < processes - zombies) add(sh.pid, pick(['kubectl', 'top', 'less']));
      }
    }
    // Zombies of app containers whose PID 1 never waits, a few containers' worth.
    const leaky = ctrs.filter((c) => !c.hasInit).slice(0, 8);
    for (let i = 0; i < zombies && leaky.length; i++) {
      const z = into(leaky[i % leaky.length], 'sleep');
      z.state = 'Z';
      z.cmdline = [];
      z.rssBytes = 0;
      z.cpu = 0;
      z.zombieSince = Date.now() - 90_000;
    }
  };

  if (kube) kubernetesHost();
  else dockerHost();
  const noInit = ctrs.filter((c) => !c.hasInit);
  /** Containers whose app forks the processes a tick starts (not Kubernetes pause containers). */
  const forking = ctrs.filter((c) => !c.name.endsWith('/pause'));

  const recount = (host) => {
    let zombies = 0;
    let kernelThreads = 0;
    let tasks = 0;
    for (const p of procs.values()) {
      if (p.state === 'Z') zombies++;
      if (p.kernelThread) kernelThreads++;
      tasks += p.threads;
    }
    const perContainer = new Map();
    for (const p of procs.values()) {
      if (p.containerId !== null) {
        perContainer.set(p.containerId, (perContainer.get(p.containerId) ?? 0) + p.threads);
      }
    }
    for (const c of ctrs) c.pidsCurrent = perContainer.get(c.id) ?? 0;
    host.tasks = tasks;
    host.processes = procs.size;
    host.zombies = zombies;
    host.kernelThreads = kernelThreads;
    host.headroom = Math.min(host.pidMax - 300, host.threadsMax) - tasks;
  };

  const host = {
    hostname: kube ? `synthetic-k8s-${processes}` : 'synthetic-5k',
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

  /**
   * Kubernetes: the CPU of cpuShare of the processes and the memory of rssShare of them move, each
   * by a step the agent sends (past its deadband), among the busy ones.
   */
  const moveUse = () => {
    let k = 0;
    for (let i = 0; i < busy.length; i++) {
      const p = busy[i];
      if (procs.has(p.pid) && p.state !== 'Z') busy[k++] = p;
    }
    busy.length = k;
    if (k === 0) return;
    // That share of the processes, busy ones picked at random, each once: a process moves once a
    // second at most, as two moves could add up to one the agent never sends.
    const eachOnce = (share, move) => {
      const moved = new Set();
      const n = Math.min(busy.length, Math.round(procs.size * share));
      while (moved.size < n) {
        const p = pick(busy);
        if (moved.has(p)) continue;
        moved.add(p);
        move(p);
      }
    };
    eachOnce(KUBERNETES.cpuShare, (p) => {
      const step = Math.max(CPU_STEP, Math.ceil(CPU_FRACTION * p.cpu)) * (1 + rand());
      const down = Math.round(p.cpu - step);
      const next = rand() < 0.5 && down >= 0 ? down : Math.min(400, Math.round(p.cpu + step));
      if (cpuNews(p.cpu, next)) p.cpu = next;
    });
    eachOnce(KUBERNETES.rssShare, (p) => {
      const step =
        Math.max(RSS_DEADBAND.bytes, RSS_DEADBAND.fraction * p.rssBytes) * (1 + rand() * 4);
      const next = Math.round(rand() < 0.5 ? p.rssBytes + step : p.rssBytes - step);
      if (next > 4096) p.rssBytes = next;
    });
  };

  /**
   * One second of a busy host: churn 1 % of user processes (Kubernetes: KUBERNETES.churnShare), move
   * memory (Kubernetes: CPU and memory, moveUse), a zombie or an adoption.
   */
  const tick = () => {
    seq++;
    const leaves = [...procs.values()].filter(
      (p) => !p.kernelThread && p.pid > 10 && p.state !== 'Z',
    );
    const childCount = new Map();
    for (const p of procs.values()) childCount.set(p.ppid, (childCount.get(p.ppid) ?? 0) + 1);
    const churn = Math.max(
      1,
      kube ? Math.round(procs.size * KUBERNETES.churnShare) : Math.floor(procs.size / 100),
    );
    for (let i = 0; i < churn; i++) {
      const p = pick(leaves);
      if (!p || childCount.get(p.pid) || ctrs.some((c) => c.initPid === p.pid || c._app === p.pid))
        continue;
      if (!procs.has(p.pid)) continue;
      procs.delete(p.pid);
      event('exited', p);
    }
    while (procs.size < processes) {
      const c = pick(forking);
      add(c._app, 'worker', {
        containerId: c.id,
        pidNs: c.pidNamespace,
        args: ['--job', String(seq)],
        nsPids: [nextPid, c._ns()],
      });
    }
    if (kube) moveUse();
    else {
      for (let i = 0; i < 50; i++) {
        const p = pick(leaves);
        if (p && procs.has(p.pid)) p.rssBytes = Math.floor(rand() * 200_000_000);
      }
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
        z.cpu = 0;
        z.zombieSince = Date.now();
        event('zombie-appeared', z);
      }
    }
    if (seq % 7 === 0) {
      const sessions = [...procs.values()].filter(
        (p) => p.comm === 'bash' && p.containerId === null,
      );
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
