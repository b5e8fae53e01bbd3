import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether an `Authorization: Bearer <token>` header carries the token. Both sides are hashed first
 * so the comparison is constant-time whatever the lengths.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (typeof header !== 'string') return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return false;
  return timingSafeEqual(digest(m[1] as string), digest(token));
}

/** A short, stable name for a token in the audit log; the token itself is never written. */
export function tokenId(token: string): string {
  return `token:${digest(`pidscope-audit:${token}`).toString('hex').slice(0, 12)}`;
}
