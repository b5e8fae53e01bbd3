/// <reference lib="webworker" />
import { layoutColumns, withoutContainers } from './layout.js';
import type { LayoutAnswer, LayoutJob } from './layoutEngine.js';

// The layout worker: columns in, columns out (their buffers moved back, not copied).
self.onmessage = (ev: MessageEvent<LayoutJob>) => {
  const { id, input, containers, options } = ev.data;
  const start = performance.now();
  const columns = withoutContainers(layoutColumns(input, containers, options));
  const answer: LayoutAnswer = { id, columns, ms: performance.now() - start };
  // Every column's buffer is moved, whatever columns the layout has.
  const buffers = new Set<ArrayBuffer>();
  for (const v of Object.values(columns)) {
    if (ArrayBuffer.isView(v)) buffers.add(v.buffer as ArrayBuffer);
  }
  (self as unknown as Worker).postMessage(answer, [...buffers]);
};
