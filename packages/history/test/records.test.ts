// What a ticks frame's payload holds, written and read back.
import { describe, expect, it } from 'vitest';
import { decodeTicks, encodeTicks, type RecordedTick } from '../src/index.js';
import { world } from './support.js';

describe('recorded ticks', () => {
  it('keep what brought each tick; one recorded without it reads without a cause', () => {
    const [a, b] = world(7, 2).steps as RecordedTick[];
    if (!a || !b) throw new Error('the world made fewer than two steps');
    const back = decodeTicks(
      encodeTicks([
        { at: a.at, patch: a.patch, cause: 'events' },
        { at: b.at, patch: b.patch },
      ]),
      'f',
    );
    expect(back).toEqual([
      { at: a.at, patch: { ...a.patch, events: [] }, cause: 'events' },
      { at: b.at, patch: { ...b.patch, events: [] } },
    ]);
    expect('cause' in (back[1] as RecordedTick)).toBe(false);
  });
});
