import { createHash } from 'node:crypto';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** A short, stable name for a token in the audit log; the token itself is never written. */
export function tokenId(token: string): string {
  return `token:${digest(`pidscope-audit:${token}`).toString('hex').slice(0, 12)}`;
}
