import { Compile } from 'typebox/compile';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { type Patch, Process } from '../src/schemas.js';
import { container, proc, state } from './fixtures.js';

// The agent serves the page with a Content-Security-Policy without 'unsafe-eval': nothing the page
// runs of this package may build code from a string, or even probe whether it may (the browser
// reports the probe as a violation too). Every call of Function or eval lands in `calls`.
const calls: unknown[][] = [];
const realFunction = globalThis.Function;
// biome-ignore lint/security/noGlobalEval: kept to be watched and put back, never called
const realEval = globalThis.eval;

function watchCodeFromStrings(): void {
  globalThis.Function = new Proxy(realFunction, {
    construct(target, args) {
      calls.push(args);
      return Reflect.construct(target, args);
    },
    apply(target, self, args) {
      calls.push(args);
      return Reflect.apply(target, self, args);
    },
  });
  globalThis.eval = new Proxy(realEval, {
    apply(target, self, args) {
      calls.push(args);
      return Reflect.apply(target, self, args);
    },
  });
}

afterEach(() => {
  globalThis.Function = realFunction;
  globalThis.eval = realEval;
  calls.length = 0;
});

describe('no code from strings', () => {
  test('the watch sees what typebox’s Compile does', () => {
    watchCodeFromStrings();
    Compile(Process);
    expect(calls.length).toBeGreaterThan(0);
  });

  test('[P12] loading the package, checking every message, valid or not, and applying a patch never builds code', async () => {
    watchCodeFromStrings();
    vi.resetModules();
    const protocol = await import('../src/index.js');
    const s = state(3, [proc(1, 10), proc(7, 70, { ppid: 1 })], {
      containers: [container('a'.repeat(64))],
    });
    const snapshot = JSON.stringify({ type: 'snapshot', seq: 3, state: s });
    expect(protocol.parseServerMessage(snapshot)).toMatchObject({ type: 'snapshot', seq: 3 });
    const next = { ...s, seq: 4, processes: [proc(1, 10), proc(8, 80, { ppid: 1 })] };
    const patch = protocol.parseServerMessage(JSON.stringify(protocol.diff(s, next)));
    expect(patch).toMatchObject({ type: 'patch', seq: 4 });
    expect(protocol.applyPatch(s, patch as Patch)).toEqual(next);
    expect(() =>
      protocol.parseServerMessage(
        JSON.stringify({ type: 'snapshot', seq: 3, state: { ...s, processes: [{ pid: 'x' }] } }),
      ),
    ).toThrow(/invalid snapshot message/);
    expect(() =>
      protocol.parseServerMessage(JSON.stringify({ type: 'patch', seq: 2, baseSeq: 1 })),
    ).toThrow(/invalid patch message/);
    expect(protocol.parseClientMessage('{"type":"resync"}').ok).toBe(true);
    expect(protocol.parseClientMessage('{"type":"resync","reason":1}').ok).toBe(false);
    expect(protocol.validateState(s)).toEqual([]);
    expect(protocol.validateState({ ...s, seq: -1 })).not.toEqual([]);
    expect(calls).toEqual([]);
  });
});
