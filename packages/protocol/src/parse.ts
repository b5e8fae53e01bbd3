import { CloseCode, MAX_CLOSE_REASON_BYTES } from './closeCodes.js';
import { IncompatibilityReason, ProtocolError, ProtocolErrorCode } from './errors.js';
import type { FleetMessage } from './fleet.js';
import { type ClientMessage, PROTOCOL_VERSION, type ServerMessage } from './schemas.js';
import { type Checker, schemaProblems, validators } from './validate.js';

/** The default limit for one client message; a resync is a few dozen bytes. */
export const MAX_CLIENT_MESSAGE_BYTES = 4096;

/** Raw WebSocket data as `ws` hands it over: text, a Buffer (a Uint8Array), or its fragments. */
export type RawMessage = string | Uint8Array | ArrayBuffer | readonly Uint8Array[];

export type ClientMessageResult =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: CloseCode; reason: string };

// Lookups by an untrusted `type` go through Maps, never plain objects, so "constructor" or
// "__proto__" is just an unknown type.
const serverTypes = new Map<string, Checker>([
  ['hello', validators.hello],
  ['snapshot', validators.snapshot],
  ['patch', validators.patch],
  ['heartbeat', validators.heartbeat],
] as const);
const clientTypes = new Map<string, Checker>([['resync', validators.resync]] as const);
const fleetTypes = new Map<string, Checker>([
  ['hosts', validators.fleetHosts],
  ['host', validators.fleetHost],
  ['host-removed', validators.fleetHostRemoved],
  ['heartbeat', validators.fleetHeartbeat],
] as const);

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/** A value from untrusted input, quoted and cut short for an error message. */
function quote(s: string, max = 32): string {
  const chars = Array.from(s.slice(0, 2 * max + 2));
  return JSON.stringify(chars.length > max ? `${chars.slice(0, max).join('')}…` : s);
}

/** UTF-8 length of a string without allocating, stopping once it passes `limit`. */
function utf8Length(s: string, limit: number): number {
  if (s.length > limit) return s.length;
  let n = 0;
  for (let i = 0; i < s.length && n <= limit; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function byteLength(raw: RawMessage, limit: number): number {
  if (typeof raw === 'string') return utf8Length(raw, limit);
  if (raw instanceof ArrayBuffer) return raw.byteLength;
  if (raw instanceof Uint8Array) return raw.byteLength;
  return raw.reduce((n, chunk) => n + chunk.byteLength, 0);
}

function toBytes(raw: Exclude<RawMessage, string>): Uint8Array {
  if (raw instanceof ArrayBuffer) return new Uint8Array(raw);
  if (raw instanceof Uint8Array) return raw;
  const out = new Uint8Array(raw.reduce((n, chunk) => n + chunk.byteLength, 0));
  let at = 0;
  for (const chunk of raw) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** Cuts a close reason to what fits in a close frame (123 bytes of UTF-8). */
export function closeReason(text: string): string {
  if (utf8Length(text, MAX_CLOSE_REASON_BYTES) <= MAX_CLOSE_REASON_BYTES) return text;
  // Cut whole code points, so a surrogate pair is never split.
  const chars = Array.from(text);
  while (utf8Length(`${chars.join('')}…`, MAX_CLOSE_REASON_BYTES) > MAX_CLOSE_REASON_BYTES) {
    chars.pop();
  }
  return `${chars.join('')}…`;
}

function reject(code: CloseCode, reason: string): ClientMessageResult {
  return { ok: false, code, reason: closeReason(reason) };
}

/**
 * Reads one client → server message ([P1]–[P8] in SPEC.md). Never throws: a bad message yields the
 * close code and a reason (≤ 123 bytes) the server closes that client's socket with.
 */
export function parseClientMessage(
  raw: RawMessage,
  maxBytes: number = MAX_CLIENT_MESSAGE_BYTES,
): ClientMessageResult {
  const size = byteLength(raw, maxBytes);
  if (size > maxBytes) {
    return reject(CloseCode.MessageTooBig, `message too big: more than ${maxBytes} bytes`);
  }
  let text: string;
  if (typeof raw === 'string') text = raw;
  else {
    try {
      text = utf8.decode(toBytes(raw));
    } catch {
      return reject(CloseCode.InvalidPayload, 'message is not valid UTF-8');
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return reject(CloseCode.MalformedJson, 'message is not valid JSON');
  }
  if (!isPlainObject(value)) {
    return reject(CloseCode.MalformedJson, `message must be a JSON object, not ${describe(value)}`);
  }
  const type = value.type;
  if (typeof type !== 'string') {
    return reject(CloseCode.UnknownMessageType, 'message has no string "type" field');
  }
  const validator = clientTypes.get(type);
  if (!validator) {
    return reject(
      CloseCode.UnknownMessageType,
      `unknown message type ${quote(type)}; expected one of: ${[...clientTypes.keys()].join(', ')}`,
    );
  }
  if (!validator.Check(value)) {
    return reject(
      CloseCode.SchemaViolation,
      `invalid ${type}: ${schemaProblems(validator, value, 2).join('; ')}`,
    );
  }
  return { ok: true, message: value as ClientMessage };
}

/** Whether a client built for PROTOCOL_VERSION can talk to a server announcing `serverVersion`. */
export function checkCompatibility(serverVersion: number): IncompatibilityReason | null {
  if (serverVersion > PROTOCOL_VERSION) return IncompatibilityReason.ClientTooOld;
  if (serverVersion < PROTOCOL_VERSION) return IncompatibilityReason.ServerTooOld;
  return null;
}

/**
 * Reads one server → client message ([P9]–[P12] in SPEC.md). Throws ProtocolError with a clear
 * message: `malformed-json`, `unknown-type`, `incompatible` (a hello from another protocol
 * version, checked before its schema, since a newer server may have added fields), or
 * `schema-violation`.
 */
export function parseServerMessage(raw: string): ServerMessage {
  const { value, type, validator } = readTyped(raw, 'server', serverTypes);
  if (type === 'hello' && typeof value.protocolVersion === 'number') {
    const incompatibility = checkCompatibility(value.protocolVersion);
    if (incompatibility) {
      throw new ProtocolError(
        ProtocolErrorCode.Incompatible,
        `the agent speaks protocol ${value.protocolVersion}, this client speaks ${PROTOCOL_VERSION} (${incompatibility})`,
        { incompatibility },
      );
    }
  }
  check(value, type, validator);
  return value as ServerMessage;
}

/**
 * Reads one message of the hub's fleet stream ([F9] in SPEC.md), with the errors of
 * parseServerMessage: `malformed-json`, `unknown-type` or `schema-violation`.
 */
export function parseFleetMessage(raw: string): FleetMessage {
  const { value, type, validator } = readTyped(raw, 'fleet', fleetTypes);
  check(value, type, validator);
  return value as FleetMessage;
}

/** JSON text to an object with a known `type`, or a ProtocolError saying why not. */
function readTyped(
  raw: string,
  what: string,
  types: ReadonlyMap<string, Checker>,
): { value: Record<string, unknown>; type: string; validator: Checker } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new ProtocolError(
      ProtocolErrorCode.MalformedJson,
      `${what} message is not valid JSON (${(err as Error).message})`,
    );
  }
  if (!isPlainObject(value)) {
    throw new ProtocolError(
      ProtocolErrorCode.MalformedJson,
      `${what} message must be a JSON object, not ${describe(value)}`,
    );
  }
  const type = value.type;
  const validator = typeof type === 'string' ? types.get(type) : undefined;
  if (typeof type !== 'string' || !validator) {
    throw new ProtocolError(
      ProtocolErrorCode.UnknownType,
      typeof type === 'string'
        ? `unknown ${what} message type ${quote(type)}; expected one of: ${[...types.keys()].join(', ')}`
        : `${what} message has no string "type" field`,
    );
  }
  return { value, type, validator };
}

function check(value: unknown, type: string, validator: Checker): void {
  if (!validator.Check(value)) {
    throw new ProtocolError(
      ProtocolErrorCode.SchemaViolation,
      `invalid ${type} message: ${schemaProblems(validator, value).join('; ')}`,
    );
  }
}
