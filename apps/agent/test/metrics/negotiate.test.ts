import { describe, expect, it } from 'vitest';
import { negotiateFormat } from '../../src/metrics/negotiate.js';

describe('negotiateFormat', () => {
  it.each([
    [undefined, 'text'],
    ['', 'text'],
    ['*/*', 'text'],
    ['text/plain', 'text'],
    ['text/html,application/xhtml+xml,*/*;q=0.8', 'text'],
    // What Prometheus 2.42 sends.
    [
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      'openmetrics',
    ],
    ['application/openmetrics-text', 'openmetrics'],
    ['application/openmetrics-text; version=0.0.1', 'openmetrics'],
    ['Application/OpenMetrics-Text; Version=1.0.0', 'openmetrics'],
    ['application/openmetrics-text;version=1.0.0;q=0.4,text/plain;q=0.5', 'text'],
    ['text/plain;q=0.5, application/openmetrics-text;q=0.5', 'openmetrics'],
    ['application/openmetrics-text;q=0', 'text'],
    ['application/openmetrics-text;version=2.0.0', 'text'],
    ['application/openmetrics-text;q=nonsense', 'text'],
    [',,;', 'text'],
  ])('Accept %j gets %s', (accept, format) => {
    expect(negotiateFormat(accept)).toBe(format);
  });
});
