import { describe, expect, it } from 'vitest';
import { isCrossSiteOrigin } from '../../src/security/session.js';

describe('isCrossSiteOrigin', () => {
  it.each([
    [undefined, '127.0.0.1:7070', false],
    ['http://127.0.0.1:7070', '127.0.0.1:7070', false],
    ['http://localhost:5173', 'localhost:5173', false],
    ['https://evil.example', '127.0.0.1:7070', true],
    ['http://127.0.0.1:8080', '127.0.0.1:7070', true],
    ['null', '127.0.0.1:7070', true],
    ['http://localhost:80', 'localhost', false],
    ['https://h.example', 'h.example:443', false],
  ])('origin %j on host %j: %s', (origin, host, cross) => {
    expect(isCrossSiteOrigin(origin, host)).toBe(cross);
  });
});
