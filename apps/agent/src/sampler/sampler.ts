import { Worker } from 'node:worker_threads';
import type { Sample, SamplerRequest, SamplerResponse, SamplerWorkerData } from './messages.js';

export class SamplerError extends Error {
  override name = 'SamplerError';
  /** The worker is unusable (crashed, exited, stuck): start a new sampler. */
  constructor(
    message: string,
    readonly fatal = false,
  ) {
    super(message);
  }
}

export interface SamplerOptions {
  /** A scan taking longer than this means the worker is stuck (e.g. a /proc read in D state). */
  scanTimeoutMs?: number;
}

interface Pending {
  resolve: (s: Sample) => void;
  reject: (e: Error) => void;
}

/**
 * The worker's code: the compiled worker.js next to this file, or, when this file runs as
 * TypeScript source (tests, benchmarks), worker.ts loaded through tsx.
 */
function startWorker(workerData: SamplerWorkerData): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./worker.js', self), { workerData });
  const entry = JSON.stringify(new URL('./worker.ts', self).href);
  const code = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}); });`;
  return new Worker(code, { eval: true, workerData });
}

/** Runs scans in a worker thread; one request at a time, answered in order. */
export class Sampler {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #timeoutMs: number;
  #nextId = 1;
  #closed = false;
  #broken: SamplerError | null = null;

  constructor(procRoot: string, options: SamplerOptions = {}) {
    this.#timeoutMs = options.scanTimeoutMs ?? 30_000;
    this.#worker = startWorker({ procRoot });
    this.#worker.on('message', (res: SamplerResponse) => {
      const p = this.#pending.get(res.id);
      if (!p) return;
      this.#pending.delete(res.id);
      if (res.type === 'result') p.resolve(res.sample);
      else p.reject(new SamplerError(`scan failed: ${res.message}`));
    });
    this.#worker.on('error', (err) =>
      this.#fail(new SamplerError(`sampler crashed: ${err.message}`, true)),
    );
    this.#worker.on('exit', (code) => {
      if (!this.#closed) this.#fail(new SamplerError(`sampler exited with code ${code}`, true));
    });
  }

  /** The next sample; `full` asks for every process, not the changes (see Sample.full). */
  scan(full = false): Promise<Sample> {
    if (this.#closed) return Promise.reject(new SamplerError('sampler is closed'));
    if (this.#broken) return Promise.reject(this.#broken);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(
          new SamplerError(`sampler stuck: no scan result in ${this.#timeoutMs} ms`, true),
        );
      }, this.#timeoutMs);
      timer.unref();
      this.#pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const req: SamplerRequest = { type: 'scan', id, full };
      this.#worker.postMessage(req);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAll(new SamplerError('sampler is closed'));
    await this.#worker.terminate();
  }

  /** Marks the worker unusable: this and every later scan fail with `err`. */
  #fail(err: SamplerError): void {
    this.#broken ??= err;
    this.#failAll(err);
  }

  #failAll(err: Error): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}
