/// <reference lib="webworker" />
import { layoutColumns } from './layout.js';
import type { LayoutAnswer, LayoutJob } from './layoutEngine.js';

// The layout worker: columns in, columns out (their buffers moved back, not copied).
self.onmessage = (ev: MessageEvent<LayoutJob>) => {
  const { id, input, containers, options } = ev.data;
  const start = performance.now();
  const columns = layoutColumns(input, containers, options);
  const answer: LayoutAnswer = { id, columns, ms: performance.now() - start };
  const buffers = [
    columns.x,
    columns.y,
    columns.level,
    columns.posInSet,
    columns.setSize,
    columns.parent,
    columns.lastChild,
    columns.childCount,
    columns.hiddenCount,
    columns.collapsed,
    columns.source,
    columns.rowOfSource,
  ].map((a) => a.buffer as ArrayBuffer);
  (self as unknown as Worker).postMessage(answer, buffers);
};
