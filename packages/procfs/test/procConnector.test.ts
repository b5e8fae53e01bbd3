import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CONNECTOR_SOURCE,
  connectorRequest,
  PROC_EVENT,
  type ProcEvent,
  ProcfsError,
  parseConnectorMessages,
  SequenceGaps,
} from '../src/index.js';

interface Capture {
  facts: {
    ack: number;
    capturePid: number;
    shPid: number;
    nodePid: number;
    renamed: string;
    uid: number;
    shExitCode: number;
  };
  datagrams: string[];
}

const capture = JSON.parse(
  readFileSync(new URL('./fixtures/connector.json', import.meta.url), 'utf8'),
) as Capture;
const { facts } = capture;

function parseHex(hex: string): ProcEvent[] {
  const buf = Buffer.from(hex, 'hex');
  return parseConnectorMessages(buf, buf.length);
}

const captured = capture.datagrams.flatMap(parseHex);
const of = <K extends ProcEvent['kind']>(kind: K) =>
  captured.filter((e): e is Extract<ProcEvent, { kind: K }> => e.kind === kind);

describe('parseConnectorMessages on a captured scenario (test/fixtures/connector.json)', () => {
  it('reads one event from each datagram', () => {
    for (const hex of capture.datagrams) expect(parseHex(hex)).toHaveLength(1);
  });

  it('reads the acknowledgement of the subscription', () => {
    expect(of('ack')).toEqual([expect.objectContaining({ ack: facts.ack, err: 0 })]);
  });

  it('reads a fork of a process: the child is its own thread group', () => {
    const fork = of('fork').find((e) => e.childTgid === facts.shPid);
    expect(fork).toMatchObject({
      parentPid: facts.capturePid,
      parentTgid: facts.capturePid,
      childPid: facts.shPid,
    });
  });

  it('tells a new thread from a new process by its tgid', () => {
    const threads = of('fork').filter((e) => e.childTgid === facts.nodePid);
    // node starts its own threads (libuv, V8) and the worker: every one is a fork in its group.
    expect(threads.filter((e) => e.childPid === e.childTgid)).toHaveLength(1);
    expect(threads.filter((e) => e.childPid !== e.childTgid).length).toBeGreaterThan(1);
    const threadExits = of('exit').filter((e) => e.tgid === facts.nodePid && e.pid !== e.tgid);
    expect(threadExits.length).toBe(threads.length - 1);
    for (const e of threadExits) expect(e.exitSignal).toBe(-1);
  });

  it('reads exec, the comm change with its text, and the uid and gid changes', () => {
    expect(of('exec').some((e) => e.pid === facts.shPid && e.tgid === facts.shPid)).toBe(true);
    expect(of('comm')).toEqual([
      expect.objectContaining({ pid: facts.shPid, tgid: facts.shPid, comm: facts.renamed }),
    ]);
    const child = of('fork').find((e) => e.parentTgid === facts.shPid)?.childTgid;
    expect(child).toBeDefined();
    expect(of('uid')).toEqual([
      expect.objectContaining({ tgid: child, real: facts.uid, effective: facts.uid }),
    ]);
    expect(of('gid')).toEqual([
      expect.objectContaining({ tgid: child, real: facts.uid, effective: facts.uid }),
    ]);
    // setpriv, then /bin/true.
    expect(of('exec').filter((e) => e.tgid === child)).toHaveLength(2);
  });

  it('reads an exit with its wait status and its parent', () => {
    expect(of('exit').find((e) => e.pid === facts.shPid)).toMatchObject({
      tgid: facts.shPid,
      exitCode: facts.shExitCode,
      exitSignal: 17,
      parentPid: facts.capturePid,
      parentTgid: facts.capturePid,
    });
  });

  it("numbers each CPU's events one after the other", () => {
    const gaps = new SequenceGaps();
    const sorted = [...captured].sort((a, b) => a.cpu - b.cpu || a.seq - b.seq);
    // The capture keeps only the scenario's events, so only runs of the sequence are dense.
    let dense = 0;
    for (const e of sorted) if (gaps.observe(e.cpu, e.seq) === 0) dense++;
    expect(dense).toBeGreaterThan(captured.length / 2);
  });
});

/** One netlink message holding a cn_msg holding a proc_event, as the kernel lays it out. */
function message(
  what: number,
  data: number[],
  opts: { cpu?: number; seq?: number; idx?: number; ack?: number; comm?: string } = {},
): Buffer {
  const dataBytes = opts.comm === undefined ? data.length * 4 : 8 + 16;
  const eventLen = 16 + Math.max(dataBytes, 24);
  const size = 16 + 20 + eventLen;
  const b = Buffer.alloc(size);
  b.writeUInt32LE(size, 0);
  b.writeUInt16LE(3, 4);
  b.writeUInt32LE(opts.idx ?? 1, 16);
  b.writeUInt32LE(1, 20);
  b.writeUInt32LE(opts.seq ?? 0, 24);
  b.writeUInt32LE(opts.ack ?? 0, 28);
  b.writeUInt16LE(eventLen, 32);
  b.writeUInt32LE(what, 36);
  b.writeUInt32LE(opts.cpu ?? 0, 40);
  data.forEach((v, i) => {
    b.writeUInt32LE(v >>> 0, 52 + 4 * i);
  });
  if (opts.comm !== undefined) b.write(opts.comm, 60, 16, 'utf8');
  return b;
}

function parseBuf(buf: Buffer): ProcEvent[] {
  return parseConnectorMessages(buf, buf.length);
}

function parseFailure(buf: Buffer, length = buf.length): ProcfsError {
  try {
    parseConnectorMessages(buf, length);
  } catch (err) {
    expect(err).toBeInstanceOf(ProcfsError);
    return err as ProcfsError;
  }
  throw new Error('expected a parse failure');
}

describe('parseConnectorMessages on built messages', () => {
  it.each([
    [
      'fork',
      PROC_EVENT.FORK,
      [10, 10, 11, 11],
      { parentPid: 10, parentTgid: 10, childPid: 11, childTgid: 11 },
    ],
    ['exec', PROC_EVENT.EXEC, [11, 11], { pid: 11, tgid: 11 }],
    ['uid', PROC_EVENT.UID, [11, 11, 0, 1000], { real: 0, effective: 1000 }],
    ['gid', PROC_EVENT.GID, [11, 11, 5, 6], { real: 5, effective: 6 }],
    ['sid', PROC_EVENT.SID, [11, 11], { pid: 11, tgid: 11 }],
    ['ptrace', PROC_EVENT.PTRACE, [11, 11, 12, 12], { tracerPid: 12, tracerTgid: 12 }],
    ['coredump', PROC_EVENT.COREDUMP, [11, 11, 10, 10], { parentPid: 10, parentTgid: 10 }],
    [
      'exit',
      PROC_EVENT.EXIT,
      [11, 11, 9, 17, 10, 10],
      { exitCode: 9, exitSignal: 17, parentPid: 10, parentTgid: 10 },
    ],
  ] as const)('reads %s', (kind, what, data, fields) => {
    expect(parseBuf(message(what, [...data], { cpu: 1, seq: 7 }))).toEqual([
      expect.objectContaining({ kind, cpu: 1, seq: 7, ...fields }),
    ]);
  });

  it('reads a comm of 16 bytes without a terminating NUL', () => {
    const [e] = parseBuf(message(PROC_EVENT.COMM, [11, 11], { comm: 'kworker/1:0-mm_p' }));
    expect(e).toMatchObject({ kind: 'comm', comm: 'kworker/1:0-mm_p' });
  });

  it('reads an exit of an old kernel without the parent fields as parent 0', () => {
    const m = message(PROC_EVENT.EXIT, [11, 11, 0, 17]);
    // Old kernels: exit data is code and signal only (16 bytes), cn_msg.len = 32.
    m.writeUInt16LE(32, 32);
    m.writeUInt32LE(16 + 20 + 32, 0);
    expect(parseConnectorMessages(m, 16 + 20 + 32)).toEqual([
      expect.objectContaining({ kind: 'exit', parentPid: 0, parentTgid: 0 }),
    ]);
  });

  it('reads an event kind it does not know as other', () => {
    expect(parseBuf(message(0x1000, [1, 1]))).toEqual([
      expect.objectContaining({ kind: 'other', what: 0x1000 }),
    ]);
  });

  it('reads several messages in one datagram, each at a 4-byte boundary', () => {
    const buf = Buffer.concat([
      message(PROC_EVENT.FORK, [1, 1, 2, 2], { seq: 1 }),
      message(PROC_EVENT.EXEC, [2, 2], { seq: 2 }),
    ]);
    expect(parseBuf(buf).map((e) => e.kind)).toEqual(['fork', 'exec']);
  });

  it('skips messages of other connector users', () => {
    const buf = Buffer.concat([
      message(PROC_EVENT.EXEC, [2, 2], { idx: 7 }),
      message(PROC_EVENT.EXEC, [3, 3]),
    ]);
    expect(parseBuf(buf)).toEqual([expect.objectContaining({ pid: 3 })]);
  });

  it('throws EPARSE naming the connector and showing the bytes', () => {
    const cut = message(PROC_EVENT.FORK, [1, 1, 2, 2]);
    const err = parseFailure(cut, cut.length - 10);
    expect(err.code).toBe('EPARSE');
    expect(err.file).toBe(CONNECTOR_SOURCE);
    expect(err.text).toBe(cut.toString('hex', 0, cut.length - 10));
  });

  it.each([
    [
      'a netlink length below the header',
      (b: Buffer) => {
        b.writeUInt32LE(8, 0);
      },
    ],
    [
      'a cn_msg longer than its message',
      (b: Buffer) => {
        b.writeUInt16LE(400, 32);
      },
    ],
    [
      'an event too short for its kind',
      (b: Buffer) => {
        b.writeUInt16LE(20, 32);
      },
    ],
    [
      'a netlink error',
      (b: Buffer) => {
        b.writeUInt16LE(2, 4);
      },
    ],
  ])('throws EPARSE on %s', (_, corrupt) => {
    const m = message(PROC_EVENT.FORK, [1, 1, 2, 2]);
    corrupt(m);
    expect(parseFailure(m).code).toBe('EPARSE');
  });
});

describe('connectorRequest', () => {
  it('builds the 40-byte subscription the kernel acknowledges with ack + 1', () => {
    const m = connectorRequest('listen', 41);
    expect(m.length).toBe(40);
    expect(m.readUInt32LE(0)).toBe(40);
    expect(m.readUInt16LE(4)).toBe(3);
    expect([m.readUInt32LE(16), m.readUInt32LE(20)]).toEqual([1, 1]);
    expect(m.readUInt32LE(28)).toBe(41);
    expect(m.readUInt16LE(32)).toBe(4);
    expect(m.readUInt32LE(36)).toBe(1);
    expect(connectorRequest('ignore', 0).readUInt32LE(36)).toBe(2);
  });
});

describe('SequenceGaps', () => {
  it.each([
    [
      'in order',
      [
        [0, 5],
        [0, 6],
        [0, 7],
      ],
      [0, 0, 0],
    ],
    [
      'a gap of two',
      [
        [0, 5],
        [0, 8],
      ],
      [0, 2],
    ],
    [
      'CPUs numbered apart',
      [
        [0, 5],
        [1, 900],
        [0, 6],
        [1, 901],
      ],
      [0, 0, 0, 0],
    ],
    [
      'wrapping at 2^32',
      [
        [0, 0xffffffff],
        [0, 0],
      ],
      [0, 0],
    ],
    [
      'a gap across the wrap',
      [
        [0, 0xfffffffe],
        [0, 1],
      ],
      [0, 2],
    ],
    [
      'a sequence going back',
      [
        [0, 10],
        [0, 3],
      ],
      [0, 0],
    ],
    [
      'unnumbered acknowledgements',
      [
        [0xffffffff, 1],
        [0xffffffff, 9],
      ],
      [0, 0],
    ],
  ])('counts missing events: %s', (_, seen, missing) => {
    const gaps = new SequenceGaps();
    expect(seen.map(([cpu, seq]) => gaps.observe(cpu as number, seq as number))).toEqual(missing);
  });

  it('starts over after reset', () => {
    const gaps = new SequenceGaps();
    gaps.observe(0, 5);
    gaps.reset();
    expect(gaps.observe(0, 50)).toBe(0);
  });
});
