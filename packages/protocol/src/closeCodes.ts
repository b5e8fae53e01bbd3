/**
 * WebSocket close codes used on /api/v1/stream. 1xxx are RFC 6455 codes used with their standard
 * meaning; 4xxx are ours (the private range) and mirror HTTP 400-style client errors.
 */
export const CloseCode = {
  /** Normal closure (the client navigated away, the server closed the stream on purpose). */
  Normal: 1000,
  /** The agent is shutting down. */
  GoingAway: 1001,
  /** A client frame was not valid UTF-8. */
  InvalidPayload: 1007,
  /** A client kept sending messages past the limit ([T8]): resyncs faster than it can use them. */
  PolicyViolation: 1008,
  /** A client message was larger than the limit (4096 bytes by default). */
  MessageTooBig: 1009,
  /** The server hit an unexpected error for this client. */
  InternalError: 1011,
  /** The client could not drain even fresh snapshots; it may reconnect later. */
  TryAgainLater: 1013,
  /** A client message was not JSON, or not a JSON object. */
  MalformedJson: 4400,
  /** A client message had no `type` or one the server does not know. */
  UnknownMessageType: 4401,
  /** A client message of a known type broke its schema (missing, extra or mistyped fields). */
  SchemaViolation: 4402,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** RFC 6455 limits a close frame's reason to 123 bytes of UTF-8. */
export const MAX_CLOSE_REASON_BYTES = 123;
