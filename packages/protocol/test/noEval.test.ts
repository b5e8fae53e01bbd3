import { describe, expect, test } from 'vitest';
import { checkWithoutEval, parseServerMessage, validateState } from '../src/index.js';
import { proc, state } from './fixtures.js';

// A page under a Content-Security-Policy without 'unsafe-eval' (the agent's own) cannot compile
// checkers; in this file nothing may even try.
describe('checkWithoutEval', () => {
  test('checkers then walk their schemas: the same answers, and Function is never called', () => {
    const calls: unknown[] = [];
    const real = globalThis.Function;
    globalThis.Function = new Proxy(real, {
      construct(target, args) {
        calls.push(args);
        return Reflect.construct(target, args);
      },
      apply(target, self, args) {
        calls.push(args);
        return Reflect.apply(target, self, args);
      },
    });
    try {
      checkWithoutEval();
      const s = state(3, [proc(1, 10), proc(7, 70, { ppid: 1 })]);
      expect(
        parseServerMessage(JSON.stringify({ type: 'snapshot', seq: 3, state: s })),
      ).toMatchObject({
        type: 'snapshot',
        seq: 3,
      });
      expect(() =>
        parseServerMessage(
          JSON.stringify({ type: 'snapshot', seq: 3, state: { ...s, processes: [{ pid: 'x' }] } }),
        ),
      ).toThrow(/invalid snapshot message/);
      expect(validateState(s)).toEqual([]);
      expect(calls).toEqual([]);
    } finally {
      globalThis.Function = real;
    }
  });
});
