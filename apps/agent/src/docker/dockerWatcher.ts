import type { DockerStatus } from '@pidscope/protocol';
import Docker from 'dockerode';
import type { DockerEndpoint } from '../config.js';
import type { DockerContainer, DockerExec } from '../model/containers.js';

const REQUEST_TIMEOUT_MS = 5000;
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5000;
/** Docker event actions after which a container's inspect data may differ. */
const REFRESH_ACTIONS = new Set([
  'create',
  'start',
  'restart',
  'die',
  'stop',
  'kill',
  'oom',
  'pause',
  'unpause',
  'rename',
  'update',
  'destroy',
]);
/**
 * `exec_start` is logged before the exec's process runs, so its inspect may not have a PID yet
 * (even once it reads Running): it is asked again after these waits (ms) until it has one or has
 * ended.
 */
const EXEC_RETRY_MS = [50, 100, 200, 400, 800, 1600];
/** Exec ids known to have ended, remembered so that a slow inspect cannot bring one back. */
const ENDED_EXECS_KEPT = 512;

/**
 * The one way to build a Docker client for an endpoint. The watcher's default fails fast
 * (connectionTimeout 3 s) so a dead daemon shows as unavailable quickly. docker-modem only clears
 * connectionTimeout once the response starts, so callers whose requests legitimately take seconds
 * (a restart waits for the stop timeout) pass `{ timeoutMs }` instead: an idle-socket timeout.
 */
export function createDockerClient(
  endpoint: DockerEndpoint,
  timeouts: { connectionTimeoutMs: number } | { timeoutMs: number } = { connectionTimeoutMs: 3000 },
): Docker {
  // docker-modem merges DOCKER_HOST from the environment under explicit options; `host: undefined`
  // keeps a configured socket from being overridden by an inherited tcp:// DOCKER_HOST.
  const options =
    endpoint.kind === 'socket'
      ? { socketPath: endpoint.socketPath, host: undefined }
      : { host: endpoint.host, port: endpoint.port, protocol: endpoint.protocol };
  // connectionTimeout is a docker-modem option that @types/dockerode does not list.
  const timeout =
    'timeoutMs' in timeouts
      ? { timeout: timeouts.timeoutMs }
      : { connectionTimeout: timeouts.connectionTimeoutMs };
  return new Docker({ ...options, ...timeout } as unknown as Docker.DockerOptions);
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} timed out after ${REQUEST_TIMEOUT_MS} ms`)),
      REQUEST_TIMEOUT_MS,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const e = err as Error & { code?: string; address?: string; statusCode?: number };
    if (e.code && e.address) return `${e.code} ${e.address}`;
    if (e.code) return `${e.code}: ${e.message}`;
    return e.message.trim();
  }
  return String(err);
}

/** Maps `docker inspect` output to what the model needs. */
export function fromInspect(info: Docker.ContainerInspectInfo): DockerContainer {
  const limit = info.HostConfig?.PidsLimit;
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Config?.Image ?? '',
    state: info.State?.Status ?? 'unknown',
    initPid: info.State?.Pid ? info.State.Pid : null,
    hasInit: info.HostConfig?.Init === true,
    pidsLimit: typeof limit === 'number' && limit > 0 ? limit : null,
    labels: info.Config?.Labels ?? {},
    execs: [],
  };
}

/** Maps `docker exec` inspect output to a running session; null once it has ended, or before its process runs. */
export function fromExecInspect(info: Docker.ExecInspectInfo): DockerExec | null {
  if (!info.Running || !info.Pid) return null;
  const pc = info.ProcessConfig;
  return {
    id: info.ID,
    command: [pc.entrypoint, ...pc.arguments],
    user: pc.user ?? '',
    tty: pc.tty === true,
    pid: info.Pid,
  };
}

/** The exec a Docker event speaks of, when it is one of its `exec_*` events. */
export function execEvent(
  ev: DockerEvent,
): { action: 'exec_start' | 'exec_die'; containerId: string; execId: string } | null {
  const action = (ev.Action ?? '').split(':')[0];
  const containerId = ev.Actor?.ID ?? ev.id;
  const execId = ev.Actor?.Attributes?.execID;
  if (ev.Type !== 'container' || !containerId || !execId) return null;
  if (action !== 'exec_start' && action !== 'exec_die') return null;
  return { action, containerId, execId };
}

/** One line of Docker's event stream, as far as the watcher reads it. */
export interface DockerEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  id?: string;
}

/**
 * Keeps a current list of Docker's containers: lists them on connect, then follows the event
 * stream. When the daemon is absent, stops or restarts, it reports why and reconnects with backoff.
 */
export class DockerWatcher {
  readonly client: Docker;
  #status: DockerStatus = { available: false, reason: 'not connected yet', version: null };
  #containers = new Map<string, DockerContainer>();
  #listeners = new Set<() => void>();
  #stream: NodeJS.ReadableStream | null = null;
  #retry: NodeJS.Timeout | null = null;
  #backoff = BACKOFF_MIN_MS;
  #closed = false;
  #generation = 0;
  #inspectSeq = new Map<string, number>();
  /** Running exec sessions by container id, then exec id. */
  #execs = new Map<string, Map<string, DockerExec>>();
  #endedExecs = new Set<string>();

  constructor(endpoint: DockerEndpoint, client = createDockerClient(endpoint)) {
    this.client = client;
  }

  status(): DockerStatus {
    return this.#status;
  }

  /** Last known containers; kept while Docker is away so names survive a daemon restart. */
  containers(): ReadonlyMap<string, DockerContainer> {
    return this.#containers;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Makes the first connection attempt; later ones happen by themselves. */
  start(): Promise<void> {
    return this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#generation++;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    this.#dropStream();
    this.#listeners.clear();
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const generation = ++this.#generation;
    try {
      const version = await withTimeout(this.client.version(), 'docker version');
      // Subscribe before listing so that nothing between the two is missed.
      const stream = (await withTimeout(
        this.client.getEvents({
          filters: { type: ['container'] },
        }) as Promise<NodeJS.ReadableStream>,
        'docker events',
      )) as NodeJS.ReadableStream;
      if (generation !== this.#generation) {
        (stream as unknown as { destroy?: () => void }).destroy?.();
        return;
      }
      this.#follow(stream, generation);
      const list = await withTimeout(this.client.listContainers({ all: false }), 'docker ps');
      const infos = await Promise.all(
        list.map((c) =>
          withTimeout(this.client.getContainer(c.Id).inspect(), 'docker inspect').catch(() => null),
        ),
      );
      if (generation !== this.#generation) return;
      const running = infos.filter((i) => i !== null);
      const execs = await Promise.all(running.map((i) => this.#inspectExecs(i.ExecIDs ?? [])));
      if (generation !== this.#generation) return;
      this.#execs = new Map(running.map((i, n) => [i.Id, execs[n] as Map<string, DockerExec>]));
      this.#containers = new Map(
        running.map((i) => [i.Id, this.#withExecs(fromInspect(i))] as const),
      );
      this.#status = { available: true, reason: null, version: version.Version ?? null };
      this.#backoff = BACKOFF_MIN_MS;
      this.#emit();
    } catch (err) {
      if (generation === this.#generation) this.#down(describeError(err));
    }
  }

  #follow(stream: NodeJS.ReadableStream, generation: number): void {
    this.#stream = stream;
    let buffered = '';
    stream.on('data', (chunk: Buffer | string) => {
      buffered += chunk.toString();
      let nl = buffered.indexOf('\n');
      while (nl !== -1) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) this.#onEvent(line);
        nl = buffered.indexOf('\n');
      }
    });
    const lost = (why: string) => {
      if (generation === this.#generation && !this.#closed) this.#down(why);
    };
    stream.on('error', (err) => lost(`event stream failed: ${describeError(err)}`));
    stream.on('end', () => lost('event stream ended (daemon stopped or restarting)'));
    stream.on('close', () => lost('event stream closed (daemon stopped or restarting)'));
  }

  #onEvent(line: string): void {
    let ev: DockerEvent;
    try {
      ev = JSON.parse(line);
    } catch {
      return;
    }
    const exec = execEvent(ev);
    if (exec) {
      if (exec.action === 'exec_start') void this.#startExec(exec.containerId, exec.execId);
      else this.#endExec(exec.containerId, exec.execId);
      return;
    }
    const id = ev.Actor?.ID ?? ev.id;
    const action = (ev.Action ?? '').split(':')[0] ?? '';
    if (ev.Type !== 'container' || !id || !REFRESH_ACTIONS.has(action)) return;
    if (action === 'die' || action === 'destroy') this.#execs.delete(id);
    if (action === 'destroy') {
      if (this.#containers.delete(id)) this.#emit();
      return;
    }
    void this.#refresh(id);
  }

  /** The running sessions among a container's exec ids (inspect data of the container). */
  async #inspectExecs(ids: readonly string[]): Promise<Map<string, DockerExec>> {
    const found = await Promise.all(
      ids.map((id) =>
        withTimeout(this.client.getExec(id).inspect(), 'docker exec inspect').then(
          fromExecInspect,
          () => null,
        ),
      ),
    );
    return new Map(found.filter((e) => e !== null).map((e) => [e.id, e] as const));
  }

  /** Asks Docker about a session that started until its process runs; a vanished one is dropped. */
  async #startExec(containerId: string, execId: string): Promise<void> {
    const generation = this.#generation;
    for (let attempt = 0; attempt <= EXEC_RETRY_MS.length; attempt++) {
      let info: Docker.ExecInspectInfo;
      try {
        info = await withTimeout(this.client.getExec(execId).inspect(), 'docker exec inspect');
      } catch {
        return;
      }
      if (generation !== this.#generation || this.#endedExecs.has(execId)) return;
      const exec = fromExecInspect(info);
      if (exec) {
        let sessions = this.#execs.get(containerId);
        if (!sessions) {
          sessions = new Map();
          this.#execs.set(containerId, sessions);
        }
        sessions.set(execId, exec);
        this.#updateExecs(containerId);
        return;
      }
      const wait = EXEC_RETRY_MS[attempt];
      // Docker marks it running a moment before it records the PID.
      if (info.ExitCode !== null || wait === undefined) return;
      await new Promise((resolve) => setTimeout(resolve, wait).unref());
    }
  }

  #endExec(containerId: string, execId: string): void {
    this.#endedExecs.add(execId);
    if (this.#endedExecs.size > ENDED_EXECS_KEPT) {
      this.#endedExecs.delete(this.#endedExecs.values().next().value as string);
    }
    if (this.#execs.get(containerId)?.delete(execId)) this.#updateExecs(containerId);
  }

  #updateExecs(containerId: string): void {
    const c = this.#containers.get(containerId);
    if (!c) return;
    this.#containers.set(containerId, this.#withExecs(c));
    this.#emit();
  }

  #withExecs(c: DockerContainer): DockerContainer {
    const sessions = this.#execs.get(c.id);
    return { ...c, execs: sessions ? [...sessions.values()] : [] };
  }

  async #refresh(id: string): Promise<void> {
    const seq = (this.#inspectSeq.get(id) ?? 0) + 1;
    this.#inspectSeq.set(id, seq);
    const generation = this.#generation;
    let info: DockerContainer | null = null;
    try {
      info = fromInspect(
        await withTimeout(this.client.getContainer(id).inspect(), 'docker inspect'),
      );
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) return;
    }
    // An older inspect answering after a newer one must not win.
    if (generation !== this.#generation || this.#inspectSeq.get(id) !== seq) return;
    this.#inspectSeq.delete(id);
    if (info) this.#containers.set(id, this.#withExecs(info));
    else this.#containers.delete(id);
    this.#emit();
  }

  #down(reason: string): void {
    this.#generation++;
    this.#dropStream();
    const wasAvailable = this.#status.available;
    this.#status = { available: false, reason, version: null };
    if (wasAvailable || this.#listeners.size > 0) this.#emit();
    if (this.#closed || this.#retry) return;
    const delay = this.#backoff;
    this.#backoff = Math.min(BACKOFF_MAX_MS, this.#backoff * 2);
    this.#retry = setTimeout(() => {
      this.#retry = null;
      void this.#connect();
    }, delay);
    this.#retry.unref();
  }

  #dropStream(): void {
    const s = this.#stream as (NodeJS.ReadableStream & { destroy?: () => void }) | null;
    this.#stream = null;
    s?.removeAllListeners();
    s?.on('error', () => {});
    s?.destroy?.();
  }

  #emit(): void {
    for (const l of this.#listeners) l();
  }
}
