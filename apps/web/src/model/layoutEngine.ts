import type { Container } from '@pidscope/protocol';
import { measureSince } from '../perf.js';
import {
  type Layout,
  type LayoutColumns,
  type LayoutInput,
  type LayoutOptions,
  layoutColumns,
  withContainers,
  withInput,
} from './layout.js';

/** One layout request: the shape's columns and the options it is laid out with. */
export interface LayoutRequest {
  input: LayoutInput;
  containers: readonly Container[];
  options: Partial<LayoutOptions>;
}

/** A message to the layout worker, and its answer. */
export interface LayoutJob extends LayoutRequest {
  id: number;
}
export interface LayoutAnswer {
  id: number;
  columns: LayoutColumns;
  /** The worker's time for the walk. */
  ms: number;
}

/**
 * Where the tree is laid out. `request` delivers the newest request's layout to `done` (maybe
 * before it returns); a result overtaken by a newer request is dropped.
 */
export interface LayoutEngine {
  request(req: LayoutRequest, done: (layout: Layout) => void): void;
  dispose(): void;
}

/** A copy of the input whose buffers can be moved to a worker; the original stays here. */
export function movableCopy(input: LayoutInput): [LayoutInput, ArrayBuffer[]] {
  const copies = new Map<ArrayBufferLike, ArrayBuffer>();
  const copy = <T extends Float64Array | Int32Array | Uint8Array>(v: T): T => {
    let buffer = copies.get(v.buffer);
    if (!buffer) {
      buffer = (v.buffer as ArrayBuffer).slice(0);
      copies.set(v.buffer, buffer);
    }
    return new (v.constructor as new (b: ArrayBuffer, offset: number, length: number) => T)(
      buffer,
      v.byteOffset,
      v.length,
    );
  };
  const moved: LayoutInput = {
    ...input,
    pid: copy(input.pid),
    ppid: copy(input.ppid),
    startTime: copy(input.startTime),
    cpu: copy(input.cpu),
    rss: copy(input.rss),
    flags: copy(input.flags),
    container: copy(input.container),
  };
  return [moved, [...copies.values()]];
}

/** Lays out on the calling thread (tests under jsdom, which has no Worker). */
export function inlineLayoutEngine(): LayoutEngine {
  return {
    request(req, done) {
      done(withInput(layoutColumns(req.input, req.containers, req.options), req.input));
    },
    dispose() {},
  };
}

/**
 * Lays out in a Web Worker: the walk over 5,000 processes (5–20 ms, more while the machine is
 * busy) runs beside the page; its columns come back as moved buffers. If the worker cannot
 * start or fails, layouts fall back to the main thread.
 */
export function workerLayoutEngine(create: () => Worker): LayoutEngine {
  let worker: Worker | null = null;
  let failed = false;
  let nextId = 0;
  const waiting = new Map<number, { req: LayoutRequest; done: (l: Layout) => void; at: number }>();
  const inline = inlineLayoutEngine();

  const fallBack = () => {
    failed = true;
    worker?.terminate();
    worker = null;
    // Only the newest request is still wanted.
    const newest = [...waiting.entries()].pop();
    waiting.clear();
    if (newest) inline.request(newest[1].req, newest[1].done);
  };

  const start = (): Worker | null => {
    if (worker || failed) return worker;
    try {
      worker = create();
    } catch {
      failed = true;
      return null;
    }
    worker.onmessage = (ev: MessageEvent<LayoutAnswer>) => {
      const { id, columns, ms } = ev.data;
      const job = waiting.get(id);
      if (!job) return;
      for (const older of waiting.keys()) if (older <= id) waiting.delete(older);
      if (id !== nextId) return;
      measureSince('layout', job.at);
      measureSince('layout-walk', performance.now() - ms);
      job.done(withInput(withContainers(columns, job.req.containers), job.req.input));
    };
    worker.onerror = (ev) => {
      ev.preventDefault();
      fallBack();
    };
    return worker;
  };

  return {
    request(req, done) {
      const w = start();
      if (!w) {
        inline.request(req, done);
        return;
      }
      const id = ++nextId;
      waiting.set(id, { req, done, at: performance.now() });
      const { containers, options } = req;
      // Copied here and moved, not cloned by postMessage: cloning the input's buffer took over a
      // millisecond of the main thread per patch at 5,000 processes, the copy a few microseconds.
      const [input, buffers] = movableCopy(req.input);
      const job: LayoutJob = { id, input, containers, options };
      w.postMessage(job, buffers);
    },
    dispose() {
      worker?.terminate();
      worker = null;
      waiting.clear();
    },
  };
}

/** The worker engine where the browser has workers; inline elsewhere. */
export function createLayoutEngine(): LayoutEngine {
  if (typeof Worker === 'undefined') return inlineLayoutEngine();
  return workerLayoutEngine(
    () => new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' }),
  );
}
