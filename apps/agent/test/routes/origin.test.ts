import { describe, expect, it } from 'vitest';
import { isCrossSiteOrigin } from '../../src/routes/api/stream.js';

describe('isCrossSiteOrigin', () => {
  it.each([
    [undefined, '127.0.0.1:7070', false],
    ['http://127.0.0.1:7070', '127.0.0.1:7070', false],
    ['http://localhost:5173', 'localhost:5173', false],
    ['https://evil.example', '127.0.0.1:7070', true],
    ['http://127.0.0.1:8080', '127.0.0.1:7070', true],
    ['null', '127.0.0.1:7070', true],
  ])('origin %j on host %j: %s', (origin, host, cross) => {
    expect(isCrossSiteOrigin(origin, host)).toBe(cross);
  });
});
