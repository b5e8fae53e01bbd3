import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  applyPatch,
  type Container,
  type DockerStatus,
  diff,
  type Host,
  isEmptyPatch,
  isPatch,
  normalizeState,
  type Process,
  parseServerMessage,
  processKey,
  type State,
  validateState,
} from '../src/index.js';

// Small pools make collisions likely: PIDs reused with other start times, parents that exist,
// containers that come and go between the two states.
const pid = fc.integer({ min: 1, max: 40 });
const startTime = fc.integer({ min: 0, max: 4 });
const containerIds = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(12), '__proto__'];
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'a b) (c', 'sh'),
);
const nullableInt = fc.option(fc.nat(1_000_000), { nil: null });
const runtime = fc.constantFrom('docker', 'containerd', 'cri-o', 'podman', null);

const processFields = {
  ppid: fc.nat(40),
  state: fc.constantFrom('R', 'S', 'D', 'Z', 'T', 'I', 'X'),
  comm: text,
  cmdline: fc.array(text, { maxLength: 3 }),
  threads: fc.nat(64),
  uid: fc.nat(70_000),
  kernelThread: fc.boolean(),
  nsPids: fc.array(fc.nat(40), { minLength: 1, maxLength: 3 }),
  pidNs: nullableInt,
  containerId: fc.constantFrom(...containerIds, null),
  runtime,
  rssBytes: fc.nat(),
  cpu: fc.nat(6400),
  zombieSince: fc.option(fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }), {
    nil: null,
  }),
};
const processArb: fc.Arbitrary<Process> = fc.record({ pid, startTime, ...processFields });
/** Any subset of fields, identity-fixed ones included ([D5]). */
const processChange = fc.record(processFields, { requiredKeys: [] });

const labels = fc.dictionary(
  fc.oneof(text, fc.constant('__proto__')),
  fc.string({ maxLength: 6 }),
  {
    maxKeys: 3,
  },
);
const namespacesArb = fc.record({
  net: nullableInt,
  mnt: nullableInt,
  ipc: nullableInt,
  uts: nullableInt,
  user: nullableInt,
  cgroup: nullableInt,
});
const execArb = fc.record({
  id: fc.constantFrom('e1', 'e2'),
  command: fc.array(text, { minLength: 1, maxLength: 3 }),
  user: fc.constantFrom('', '1000', 'nobody'),
  tty: fc.boolean(),
  pid,
  startTime,
});
const containerArb = (id: string): fc.Arbitrary<Container> =>
  fc.record({
    id: fc.constant(id),
    name: text,
    image: fc.constantFrom('pidscope/busybox:local', 'alpine'),
    state: fc.constantFrom('running', 'exited', 'restarting'),
    runtime,
    initPid: fc.option(fc.nat(40), { nil: null }),
    hasInit: fc.boolean(),
    pidNamespace: nullableInt,
    sharesPidNamespaceWith: fc.subarray(containerIds),
    hostPidNamespace: fc.boolean(),
    execs: fc.array(execArb, { maxLength: 2 }),
    namespaces: namespacesArb,
    pidsCurrent: nullableInt,
    pidsMax: nullableInt,
    forkFailures: fc.nat(100),
    pidsPeak: nullableInt,
    labels,
    etaSeconds: nullableInt,
  });
const containersArb = fc
  .subarray(containerIds)
  .chain((ids) => fc.tuple(...ids.map(containerArb)))
  .map((cs) => cs as Container[]);

const hostArb: fc.Arbitrary<Host> = fc.record({
  hostname: fc.constantFrom('box', 'node-2'),
  pidMax: fc.constantFrom(32_768, 4_194_304),
  threadsMax: fc.nat(100_000),
  tasks: fc.nat(5_000),
  processes: fc.nat(3_000),
  zombies: fc.nat(10),
  kernelThreads: fc.nat(200),
  headroom: fc.integer({ min: -1_000, max: 100_000 }),
  etaSeconds: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null }),
  namespaces: namespacesArb,
  pidNamespace: nullableInt,
  source: fc.constantFrom('proc-connector' as const, 'polling' as const),
  sourceReason: fc.option(fc.string({ maxLength: 40 }), { nil: null }),
});
const dockerArb: fc.Arbitrary<DockerStatus> = fc.oneof(
  fc.constant({ available: true, reason: null, version: '20.10.24' }),
  fc.record({ available: fc.constant(false), reason: text, version: fc.constant(null) }),
);

const stateArb = (processes: fc.Arbitrary<Process[]>): fc.Arbitrary<State> =>
  fc
    .record({
      seq: fc.nat(1_000),
      host: hostArb,
      docker: dockerArb,
      containers: containersArb,
      processes,
    })
    .map(normalizeState);

const universe = fc.uniqueArray(processArb, { selector: processKey, maxLength: 30 });

/** Two related states: subsets of one universe of processes, the second with random changes. */
const statePair: fc.Arbitrary<[State, State]> = universe.chain((all) =>
  fc.tuple(
    stateArb(fc.subarray(all)),
    stateArb(
      fc
        .subarray(all)
        .chain((kept) =>
          fc.tuple(
            ...kept.map((p) => fc.option(processChange, { freq: 2 }).map((c) => ({ ...p, ...c }))),
          ),
        )
        .map((ps) => ps as Process[]),
    ),
  ),
);

/** 2 to `max` states over one set of processes, numbered seq 0, 1, 2… */
const stateChain = (max: number): fc.Arbitrary<State[]> =>
  universe
    .chain((all) => fc.array(stateArb(fc.subarray(all)), { minLength: 2, maxLength: max }))
    .map((states) => states.map((s, i) => ({ ...s, seq: i })));

describe('property', () => {
  test('[A8] applyPatch(a, diff(a, b)) deep-equals b', () => {
    fc.assert(
      fc.property(statePair, ([a, b]) => {
        expect(applyPatch(a, diff(a, b))).toEqual(b);
      }),
      { numRuns: 400 },
    );
  });

  test('[A8] the same holds after the patch travels as JSON and is parsed', () => {
    fc.assert(
      fc.property(statePair, ([a, b]) => {
        const next = { ...b, seq: a.seq + 1 };
        const patch = parseServerMessage(JSON.stringify(diff(a, next)));
        expect(patch.type).toBe('patch');
        if (patch.type !== 'patch') return;
        expect(isPatch(patch)).toBe(true);
        const got = applyPatch(a, patch);
        expect(got).toEqual(next);
        expect(validateState(got)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  test('[A8] a chain of patches reproduces the last state', () => {
    fc.assert(
      fc.property(stateChain(6), (seqd) => {
        let client = seqd[0] as State;
        for (let i = 1; i < seqd.length; i++) {
          client = applyPatch(client, diff(seqd[i - 1] as State, seqd[i] as State));
        }
        expect(client).toEqual(seqd.at(-1));
      }),
      { numRuns: 100 },
    );
  });

  test('[A10] a chain applied through two reused lists equals the chain applied purely', () => {
    fc.assert(
      fc.property(stateChain(8), (seqd) => {
        let pure = seqd[0] as State;
        // The first state's list is the caller's: copy it so the first reuse swaps cleanly.
        let reused: State = { ...pure, processes: [...pure.processes] };
        let spare: Process[] = [];
        for (let i = 1; i < seqd.length; i++) {
          const patch = diff(seqd[i - 1] as State, seqd[i] as State);
          pure = applyPatch(pure, patch);
          const next = applyPatch(reused, patch, spare);
          expect(next.processes).toBe(spare);
          spare = reused.processes as Process[];
          reused = next;
          expect(reused).toEqual(pure);
        }
      }),
      { numRuns: 150 },
    );
  });

  test('[D10] diff(a, a) is empty, also against a deep copy', () => {
    fc.assert(
      fc.property(statePair, ([a]) => {
        expect(isEmptyPatch(diff(a, a))).toBe(true);
        expect(isEmptyPatch(diff(a, structuredClone(a)))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test('[D3] [D4] every key is in at most one of added-only, updated, removed-only', () => {
    fc.assert(
      fc.property(statePair, ([a, b]) => {
        const p = diff(a, b);
        const added = new Set(p.added.map(processKey));
        const removed = new Set(p.removed.map(processKey));
        for (const u of p.updated) {
          expect(added.has(processKey(u))).toBe(false);
          expect(removed.has(processKey(u))).toBe(false);
        }
        const aKeys = new Set(a.processes.map(processKey));
        const bKeys = new Set(b.processes.map(processKey));
        for (const k of added) expect(bKeys.has(k)).toBe(true);
        for (const k of removed) expect(aKeys.has(k)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
