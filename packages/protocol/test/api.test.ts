import { Compile } from 'typebox/compile';
import { describe, expect, test } from 'vitest';
import { ERRORS, ErrorBody } from '../src/index.js';

describe('the error catalogue', () => {
  test('[R1] every code is an unprefixed SCREAMING_SNAKE name with a 4xx or 5xx status', () => {
    for (const [code, status] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
      expect(code).not.toMatch(/^PIDSCOPE_/);
      expect(status >= 400 && status <= 599, `${code} ${status}`).toBe(true);
    }
  });

  test('[R1] an error body names a catalogued code; detail is optional, nothing else is allowed', () => {
    const check = Compile(ErrorBody);
    const body = {
      statusCode: 409,
      code: 'STALE_START_TIME',
      error: 'Conflict',
      message: 'PID 42 now belongs to another process',
    };
    expect(check.Check(body)).toBe(true);
    expect(check.Check({ ...body, detail: { currentStartTime: 7 } })).toBe(true);
    expect(check.Check({ ...body, code: 'PIDSCOPE_ERR_STALE_START_TIME' })).toBe(false);
    expect(check.Check({ ...body, stack: 'at x.ts:1' })).toBe(false);
    const { message: _, ...noMessage } = body;
    expect(check.Check(noMessage)).toBe(false);
  });
});
