// Writes test/fixtures/store/ (a small store in the current format) and test/fixtures/expected.json
// (what it must answer). Run it only when FORMAT_VERSION changes: the test reads the checked-in
// bytes, so a change to the format that forgets the version fails it.
//   npm run fixtures -w @pidscope/history
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeState } from '@pidscope/protocol';
import { HistoryStore } from '../src/index.js';
import { world } from '../test/world.js';

const here = join(import.meta.dirname, '..', 'test', 'fixtures');
const dir = join(here, 'store');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const w = world(2024, 30, 12, 1_750_000_000_000);
const store = HistoryStore.open({
  dir,
  owner: { pid: process.pid, startTime: 0 },
  // Never drops anything, whatever the date the test runs on.
  retentionMs: Number.MAX_SAFE_INTEGER,
  maxBytes: 2 ** 30,
  segments: { segmentBytes: 4096 },
});
await store.appendKeyframe(w.initial, w.initialAt, { start: true });
for (let i = 0; i < w.steps.length; i += 4) {
  const batch = w.steps.slice(i, i + 4);
  const last = batch.at(-1);
  if (!last) break;
  await store.appendTicks(batch, last.state);
  if (store.rotationDue()) await store.appendKeyframe(last.state, last.at, { start: false });
}
await store.close();

const moments = [0, 7, 15, 29].map((i) => {
  const step = w.steps[i];
  if (!step) throw new Error(`no step ${i}`);
  return { at: step.at, state: normalizeState(step.state) };
});
const events = w.steps.flatMap((s) => s.patch.events);
writeFileSync(
  join(here, 'expected.json'),
  `${JSON.stringify({ range: { from: w.initialAt, to: w.steps.at(-1)?.at }, moments, events }, null, 1)}\n`,
);
console.log(`wrote ${dir} and expected.json`);
