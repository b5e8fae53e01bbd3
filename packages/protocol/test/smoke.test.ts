import { expect, test } from 'vitest';
import { applyPatch, diff, parseClientMessage, parseServerMessage } from '../src/index.js';
import { proc, state } from './fixtures.js';

test('round trip: diff, apply, parse', () => {
  const a = state(1, [proc(1, 5), proc(10, 7)]);
  const b = state(2, [proc(1, 5, { state: 'Z' }), proc(11, 9)]);
  const p = diff(a, b);
  expect(applyPatch(a, p)).toEqual(b);
  expect(parseServerMessage(JSON.stringify(p))).toEqual(p);
  expect(parseClientMessage('{"type":"resync","__proto__":{"x":1}}')).toMatchObject({
    ok: false,
    code: 4402,
  });
});
