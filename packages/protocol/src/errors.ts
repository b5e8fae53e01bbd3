/** Why a protocol operation failed; stable strings so callers can branch on them. */
export const ProtocolErrorCode = {
  /** The text is not JSON (or not UTF-8). */
  MalformedJson: 'malformed-json',
  /** JSON, but not an object with a known `type`. */
  UnknownType: 'unknown-type',
  /** A known message type whose fields break its schema. */
  SchemaViolation: 'schema-violation',
  /** The peer speaks another protocol version; see `incompatibility`. */
  Incompatible: 'incompatible',
  /** A patch was applied to a state with another seq: the client must resync. */
  SeqMismatch: 'seq-mismatch',
  /** A patch contradicts the state it claims to apply to (adds a present process, …). */
  InvalidPatch: 'invalid-patch',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** Why a client cannot talk to a server at all (modelled on tldraw's TLIncompatibilityReason). */
export const IncompatibilityReason = {
  /** The server speaks a newer protocol version: reload the UI. */
  ClientTooOld: 'client-too-old',
  /** The server speaks an older protocol version: upgrade the agent. */
  ServerTooOld: 'server-too-old',
} as const;
export type IncompatibilityReason =
  (typeof IncompatibilityReason)[keyof typeof IncompatibilityReason];

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;
  readonly incompatibility: IncompatibilityReason | undefined;

  constructor(
    code: ProtocolErrorCode,
    message: string,
    options?: { incompatibility?: IncompatibilityReason },
  ) {
    super(message);
    this.code = code;
    this.incompatibility = options?.incompatibility;
  }
}
