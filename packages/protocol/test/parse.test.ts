import { describe, expect, test } from 'vitest';
import {
  CloseCode,
  checkCompatibility,
  closeReason,
  diff,
  IncompatibilityReason,
  MAX_CLOSE_REASON_BYTES,
  PROTOCOL_VERSION,
  ProtocolError,
  parseClientMessage,
  parseServerMessage,
  type ServerMessage,
} from '../src/index.js';
import { container, proc, state } from './fixtures.js';

const bytes = (s: string) => new TextEncoder().encode(s).byteLength;

describe('parseClientMessage', () => {
  const big = 'x'.repeat(4097);
  test.each([
    {
      rule: '[P1]',
      what: 'an oversized string',
      raw: big,
      code: 1009,
      reason: /^message too big: more than 4096 bytes$/,
    },
    {
      rule: '[P1]',
      what: 'an oversized Buffer',
      raw: Buffer.alloc(5000, 0x20),
      code: 1009,
      reason: /more than 4096 bytes/,
    },
    {
      rule: '[P1]',
      what: 'text counted in UTF-8 bytes',
      raw: `{"type":"resync","reason":"${'é'.repeat(2100)}"}`,
      code: 1009,
      reason: /too big/,
    },
    {
      rule: '[P2]',
      what: 'invalid UTF-8 in a Buffer',
      raw: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
      code: 1007,
      reason: /^message is not valid UTF-8$/,
    },
    {
      rule: '[P3]',
      what: 'text that is not JSON',
      raw: 'resync please',
      code: 4400,
      reason: /^message is not valid JSON$/,
    },
    {
      rule: '[P3]',
      what: 'truncated JSON',
      raw: '{"type":"resy',
      code: 4400,
      reason: /not valid JSON/,
    },
    { rule: '[P3]', what: 'an empty string', raw: '', code: 4400, reason: /not valid JSON/ },
    {
      rule: '[P4]',
      what: 'a JSON array',
      raw: '[{"type":"resync"}]',
      code: 4400,
      reason: /^message must be a JSON object, not an array$/,
    },
    { rule: '[P4]', what: 'JSON null', raw: 'null', code: 4400, reason: /not null$/ },
    { rule: '[P4]', what: 'a JSON string', raw: '"resync"', code: 4400, reason: /not a string$/ },
    { rule: '[P4]', what: 'a JSON number', raw: '42', code: 4400, reason: /not a number$/ },
    { rule: '[P4]', what: 'a JSON boolean', raw: 'true', code: 4400, reason: /not a boolean$/ },
    {
      rule: '[P5]',
      what: 'an object without type',
      raw: '{"reason":"x"}',
      code: 4401,
      reason: /^message has no string "type" field$/,
    },
    {
      rule: '[P5]',
      what: 'a numeric type',
      raw: '{"type":1}',
      code: 4401,
      reason: /no string "type"/,
    },
    {
      rule: '[P5]',
      what: 'an unknown type',
      raw: '{"type":"subscribe"}',
      code: 4401,
      reason: /^unknown message type "subscribe"; expected one of: resync$/,
    },
    {
      rule: '[P5]',
      what: 'a server type',
      raw: '{"type":"snapshot","seq":1}',
      code: 4401,
      reason: /"snapshot"/,
    },
    {
      rule: '[P5]',
      what: 'type "constructor"',
      raw: '{"type":"constructor"}',
      code: 4401,
      reason: /"constructor"/,
    },
    {
      rule: '[P5]',
      what: 'type "__proto__"',
      raw: '{"type":"__proto__"}',
      code: 4401,
      reason: /"__proto__"/,
    },
    {
      rule: '[P5]',
      what: 'type "toString"',
      raw: '{"type":"toString"}',
      code: 4401,
      reason: /"toString"/,
    },
    {
      rule: '[P6]',
      what: 'an extra field',
      raw: '{"type":"resync","since":5}',
      code: 4402,
      reason: /^invalid resync: \/ must not have additional properties \("since"\)$/,
    },
    {
      rule: '[P6]',
      what: 'an own __proto__ key',
      raw: '{"type":"resync","__proto__":{"polluted":true}}',
      code: 4402,
      reason: /\("__proto__"\)/,
    },
    {
      rule: '[P6]',
      what: 'a constructor.prototype key',
      raw: '{"type":"resync","constructor":{"prototype":{"x":1}}}',
      code: 4402,
      reason: /\("constructor"\)/,
    },
    {
      rule: '[P6]',
      what: 'a prototype key',
      raw: '{"type":"resync","prototype":{}}',
      code: 4402,
      reason: /\("prototype"\)/,
    },
    {
      rule: '[P6]',
      what: 'a mistyped field',
      raw: '{"type":"resync","reason":5}',
      code: 4402,
      reason: /^invalid resync: \/reason must be string$/,
    },
    {
      rule: '[P6]',
      what: 'an over-long reason',
      raw: `{"type":"resync","reason":"${'r'.repeat(201)}"}`,
      code: 4402,
      reason: /^invalid resync: \/reason /,
    },
  ])('$rule $what closes with $code', ({ raw, code, reason }) => {
    const r = parseClientMessage(raw);
    expect(r).toMatchObject({ ok: false, code });
    if (r.ok) return;
    expect(r.reason).toMatch(reason);
    expect(bytes(r.reason)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
  });

  test('[P1]–[P6] the close codes are the documented CloseCode values', () => {
    expect(CloseCode).toMatchObject({
      MessageTooBig: 1009,
      InvalidPayload: 1007,
      MalformedJson: 4400,
      UnknownMessageType: 4401,
      SchemaViolation: 4402,
    });
  });

  test.each([
    ['a string', '{"type":"resync"}'],
    ['a Buffer', Buffer.from('{"type":"resync","reason":"seq mismatch"}')],
    ['an ArrayBuffer', new TextEncoder().encode('{"type":"resync"}').buffer],
    ['Buffer fragments', [Buffer.from('{"type":"res'), Buffer.from('ync"}')]],
  ] as const)('[P2] %s is accepted', (_what, raw) => {
    const r = parseClientMessage(raw);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.message.type).toBe('resync');
  });

  test('[P1] a message of exactly maxBytes is accepted, one byte more is not', () => {
    const msg = `{"type":"resync","reason":"${'é'.repeat(50)}🙂"}`;
    const size = bytes(msg);
    expect(parseClientMessage(msg, size)).toMatchObject({ ok: true });
    expect(parseClientMessage(msg, size - 1)).toMatchObject({ ok: false, code: 1009 });
    expect(parseClientMessage(Buffer.from(msg), size)).toMatchObject({ ok: true });
    expect(parseClientMessage(Buffer.from(msg), size - 1)).toMatchObject({ ok: false, code: 1009 });
  });

  test('[P1] the size limit is checked before decoding and parsing', () => {
    // Not UTF-8 and not JSON, but too big comes first.
    const r = parseClientMessage(Buffer.alloc(100, 0xff), 10);
    expect(r).toMatchObject({ ok: false, code: CloseCode.MessageTooBig });
  });

  test('[P7] never throws, even for hostile input', () => {
    const inputs: unknown[] = [
      '{"type":"resync","reason":{"toString":1}}',
      '{"__proto__":null}',
      '{"type":"\\u0000\\ud800"}',
      Buffer.alloc(0),
      [],
    ];
    for (const raw of inputs) {
      expect(() => parseClientMessage(raw as string)).not.toThrow();
      expect(parseClientMessage(raw as string).ok).toBe(false);
    }
  });

  test('[P7] reasons quote untrusted text cut to 32 characters and fit a close frame', () => {
    const type = 'ü'.repeat(500);
    const r = parseClientMessage(JSON.stringify({ type }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toContain(`"${'ü'.repeat(32)}…"`);
    expect(bytes(r.reason)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    expect(bytes(closeReason('€'.repeat(200)))).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    expect(closeReason('short')).toBe('short');
  });

  test('[P7] cutting never splits a surrogate pair', () => {
    const r = parseClientMessage(JSON.stringify({ type: '🙂'.repeat(40) }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toMatch(/^unknown message type "(🙂)+…$/);
    expect(r.reason).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(bytes(r.reason)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    const cut = closeReason('🙂'.repeat(100));
    expect(cut).toBe(`${'🙂'.repeat(30)}…`);
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  test('[P8] an accepted message is returned exactly as sent', () => {
    const r = parseClientMessage('{"type":"resync","reason":"  patch 5 did not apply  "}');
    expect(r).toEqual({
      ok: true,
      message: { type: 'resync', reason: '  patch 5 did not apply  ' },
    });
  });
});

describe('parseServerMessage', () => {
  const s = state(4, [proc(1, 5), proc(20, 900, { state: 'Z', zombieSince: 1 })], {
    containers: [container('a'.repeat(64))],
  });
  const valid: ServerMessage[] = [
    {
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      hostname: 'box',
      kernel: '6.1.0',
      agentVersion: '0.1.0',
      capabilities: ['signal', 'demos'],
      docker: s.docker,
      readOnly: false,
      intervalMs: 1000,
    },
    { type: 'snapshot', seq: 4, state: s },
    diff(s, { ...s, seq: 5, processes: [proc(1, 5)] }),
    { type: 'heartbeat', seq: 5, at: 1_700_000_000_000 },
  ];

  test.each(valid.map((m) => [m.type, m] as const))('[P9] a valid %s parses to itself', (_t, m) => {
    expect(parseServerMessage(JSON.stringify(m))).toEqual(m);
  });

  function fails(raw: string): ProtocolError {
    try {
      parseServerMessage(raw);
    } catch (err) {
      if (err instanceof ProtocolError) return err;
      throw err;
    }
    throw new Error('expected a ProtocolError');
  }

  const snap = JSON.stringify(valid[1]);
  test.each([
    {
      what: 'not JSON',
      raw: '<html>',
      code: 'malformed-json',
      message: /^server message is not valid JSON \(/,
    },
    {
      what: 'an array',
      raw: '[]',
      code: 'malformed-json',
      message: /^server message must be a JSON object, not an array$/,
    },
    {
      what: 'no type',
      raw: '{"seq":1}',
      code: 'unknown-type',
      message: /^server message has no string "type" field$/,
    },
    {
      what: 'an unknown type',
      raw: '{"type":"welcome"}',
      code: 'unknown-type',
      message:
        /^unknown server message type "welcome"; expected one of: hello, snapshot, patch, heartbeat$/,
    },
    {
      what: 'type "constructor"',
      raw: '{"type":"constructor"}',
      code: 'unknown-type',
      message: /"constructor"/,
    },
    { what: 'a client type', raw: '{"type":"resync"}', code: 'unknown-type', message: /"resync"/ },
    {
      what: 'a missing field',
      raw: '{"type":"heartbeat","seq":1}',
      code: 'schema-violation',
      message: /^invalid heartbeat message: \/ must have required properties at$/,
    },
    {
      what: 'a mistyped nested field',
      raw: snap.replace('"pid":20', '"pid":"20"'),
      code: 'schema-violation',
      message: /^invalid snapshot message: \/state\/processes\/1\/pid must be integer$/,
    },
    {
      what: 'a negative seq',
      raw: '{"type":"heartbeat","seq":-1,"at":1}',
      code: 'schema-violation',
      message: /^invalid heartbeat message: \/seq must be >= 0$/,
    },
    {
      what: 'an extra field',
      raw: snap.replace('"seq":4,', '"seq":4,"compressed":true,'),
      code: 'schema-violation',
      message: /\/ must not have additional properties \("compressed"\)/,
    },
    {
      what: 'a __proto__ key in a process',
      raw: snap.replace('"pid":20', '"__proto__":{"x":1},"pid":20'),
      code: 'schema-violation',
      message: /\/state\/processes\/1 must not have additional properties \("__proto__"\)/,
    },
  ])('[P9] $what throws $code', ({ raw, code, message }) => {
    const err = fails(raw);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.name).toBe('ProtocolError');
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  test('[P10] a hello from another protocol version throws incompatible, before its schema', () => {
    const hello = { ...valid[0], someNewField: [1, 2] };
    const newer = fails(JSON.stringify({ ...hello, protocolVersion: PROTOCOL_VERSION + 1 }));
    expect(newer.code).toBe('incompatible');
    expect(newer.incompatibility).toBe(IncompatibilityReason.ClientTooOld);
    expect(newer.message).toBe(
      `the agent speaks protocol ${PROTOCOL_VERSION + 1}, this client speaks ${PROTOCOL_VERSION} (client-too-old)`,
    );
    const older = fails(JSON.stringify({ ...valid[0], protocolVersion: PROTOCOL_VERSION - 1 }));
    expect(older.incompatibility).toBe(IncompatibilityReason.ServerTooOld);
    expect(checkCompatibility(PROTOCOL_VERSION)).toBeNull();
    expect(checkCompatibility(PROTOCOL_VERSION + 1)).toBe('client-too-old');
    expect(checkCompatibility(PROTOCOL_VERSION - 1)).toBe('server-too-old');
  });

  test('[P11] an unknown field in a same-version hello is a schema violation', () => {
    const err = fails(JSON.stringify({ ...valid[0], someNewField: 1 }));
    expect(err.code).toBe('schema-violation');
    expect(err.message).toMatch(/\("someNewField"\)/);
  });
});
