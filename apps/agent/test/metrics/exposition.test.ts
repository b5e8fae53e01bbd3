import { describe, expect, it } from 'vitest';
import { Exposition, escapeLabelValue } from '../../src/metrics/exposition.js';
import { isCrossSiteOrigin } from '../../src/routes/api/stream.js';

describe('Prometheus exposition', () => {
  it.each([
    ['plain', 'plain'],
    ['a"b', 'a\\"b'],
    ['back\\slash', 'back\\\\slash'],
    ['new\nline', 'new\\nline'],
  ])('escapes label value %j', (raw, escaped) => {
    expect(escapeLabelValue(raw)).toBe(escaped);
  });

  it('writes families and a cumulative histogram with +Inf, sum and count', () => {
    const text = new Exposition()
      .family('x_total', 'counter', 'An "x"', [{ labels: { name: 'we"ird\n' }, value: 3 }])
      .histogram(
        'd_seconds',
        'Durations',
        new Map([
          [0.1, 1],
          [0.5, 2],
        ]),
        3,
        1.25,
      )
      .toString();
    expect(text).toBe(
      [
        '# HELP x_total An "x"',
        '# TYPE x_total counter',
        'x_total{name="we\\"ird\\n"} 3',
        '# HELP d_seconds Durations',
        '# TYPE d_seconds histogram',
        'd_seconds_bucket{le="0.1"} 1',
        'd_seconds_bucket{le="0.5"} 2',
        'd_seconds_bucket{le="+Inf"} 3',
        'd_seconds_sum 1.25',
        'd_seconds_count 3',
        '',
      ].join('\n'),
    );
  });
});

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
