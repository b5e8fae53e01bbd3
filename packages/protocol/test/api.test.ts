import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { describe, expect, test } from 'vitest';
import {
  AuditQuery,
  DryRunQuery,
  decodeText,
  ERRORS,
  ErrorBody,
  type ErrorCode,
  EventsQuery,
  PID_LIMIT,
  PidParams,
  parsePid,
  ReapRequest,
  requestProblem,
  SignalAnswer,
  SignalRequest,
  type SubtreeMember,
  subtreeCounts,
} from '../src/index.js';
import { testSubtreeMember } from '../src/testing.js';

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

describe('request decoding', () => {
  test.each([
    ['7', 7],
    ['0', 0],
    ['-5', -5],
    ['4194304', 4194304],
    ['1e3', '1e3'],
    ['0x10', '0x10'],
    ['1.0', '1.0'],
    ['01', '01'],
    ['+1', '+1'],
    [' 1', ' 1'],
    ['', ''],
    ['99999999999999999999', '99999999999999999999'],
  ])('[R5] integer text %j decodes to %j', (text, value) => {
    expect(decodeText(PidParams, { pid: text })).toEqual({ pid: value });
  });

  test.each([
    ['', true],
    ['1', true],
    ['true', true],
    ['0', false],
    ['false', false],
    ['yes', 'yes'],
    ['TRUE', 'TRUE'],
  ])('[R5] boolean text %j decodes to %j', (text, value) => {
    expect(decodeText(DryRunQuery, { dryRun: text })).toEqual({ dryRun: value });
  });

  test('[R5] names the schema does not hold are dropped; repeated values stay as they came', () => {
    expect(decodeText(EventsQuery, { since: '5', token: '12', cache: 'x' })).toEqual({ since: 5 });
    expect(decodeText(EventsQuery, { since: ['1', '2'] })).toEqual({ since: ['1', '2'] });
  });

  test('[R5] parsePid takes decimal PIDs from 1 to PID_LIMIT only', () => {
    expect(['1', '4194304', '0', '4194305', '1e3', 'abc'].map(parsePid)).toEqual([
      1,
      PID_LIMIT,
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('request problems', () => {
  const problem = (schema: TSchema, value: unknown, fallback: ErrorCode = 'BAD_REQUEST') => {
    const check = Compile(schema);
    expect(check.Check(value)).toBe(false);
    return requestProblem(schema, value, check.Errors(value), fallback);
  };

  test('[R6] a field that breaks its schema answers with its code, saying what it got', () => {
    expect(problem(PidParams, { pid: 'abc' })).toEqual({
      code: 'BAD_PID',
      message: 'pid must be a decimal integer from 1 to 4194304 (got "abc")',
    });
    expect(problem(SignalRequest, { signal: 'SIGFOO', startTime: 5 })).toMatchObject({
      code: 'BAD_SIGNAL',
      message: expect.stringContaining('SIGTERM, SIGKILL'),
    });
    expect(problem(SignalRequest, { signal: 'SIGKILL' })).toMatchObject({
      code: 'BAD_START_TIME',
      message: expect.stringMatching(/startTime .*\(missing\)$/),
    });
    expect(problem(SignalRequest, { signal: 'SIGKILL', startTime: '123' }).code).toBe(
      'BAD_START_TIME',
    );
    expect(problem(ReapRequest, { startTime: 5, signal: 'SIGHUP' })).toMatchObject({
      code: 'BAD_SIGNAL',
      message: 'reap sends the parent SIGTERM or SIGKILL (got "SIGHUP")',
    });
    expect(problem(AuditQuery, decodeText(AuditQuery, { limit: '0' })).code).toBe('BAD_LIMIT');
    expect(problem(DryRunQuery, decodeText(DryRunQuery, { dryRun: 'yes' })).code).toBe(
      'BAD_DRY_RUN',
    );
  });

  test("[R6] a field without a code of its own gets the part's, with the checker's words", () => {
    expect(problem(EventsQuery, decodeText(EventsQuery, { since: 'abc' }), 'BAD_QUERY')).toEqual({
      code: 'BAD_QUERY',
      message: 'since must be integer (got "abc")',
    });
    expect(problem(EventsQuery, decodeText(EventsQuery, { since: '-5' }), 'BAD_QUERY')).toEqual({
      code: 'BAD_QUERY',
      message: 'since must be >= 0 (got -5)',
    });
  });

  test('[R6] the first broken field in the schema order wins', () => {
    expect(problem(SignalRequest, { signal: 'SIGFOO' }).code).toBe('BAD_SIGNAL');
    expect(problem(ReapRequest, { signal: 'SIGFOO' }).code).toBe('BAD_START_TIME');
  });

  test('[R6] a body broken in no field of its own is BAD_BODY, naming an unknown field', () => {
    expect(problem(SignalRequest, [1, 2])).toMatchObject({ code: 'BAD_BODY' });
    expect(problem(SignalRequest, null).message).toMatch(/\(missing\)$/);
    expect(problem(SignalRequest, { signal: 'SIGKILL', startTime: 5, force: true })).toEqual({
      code: 'BAD_BODY',
      message:
        'the body must be a JSON object like {"signal":"SIGTERM","startTime":123} (unknown field "force")',
    });
  });

  test('[R6] a quoted value is cut to 32 characters', () => {
    const message = problem(PidParams, { pid: 'x'.repeat(500) }).message;
    expect(message).toMatch(/\(got "x{31}…\)$/);
  });
});

describe('subtree signals', () => {
  const problem = (value: unknown) => {
    const check = Compile(SignalRequest);
    expect(check.Check(value)).toBe(false);
    return requestProblem(SignalRequest, value, check.Errors(value), 'BAD_BODY');
  };

  test('[R8] a subtree request names its order: leaves-first or root-first, else BAD_ORDER', () => {
    const check = Compile(SignalRequest);
    const base = { signal: 'SIGTERM', startTime: 5 };
    expect(check.Check({ ...base, subtree: true })).toBe(true);
    expect(check.Check({ ...base, subtree: true, order: 'leaves-first' })).toBe(true);
    expect(check.Check({ ...base, subtree: true, order: 'root-first' })).toBe(true);
    expect(problem({ ...base, subtree: true, order: 'breadth-first' })).toEqual({
      code: 'BAD_ORDER',
      message:
        'order must be "leaves-first" or "root-first", with "subtree": true (got "breadth-first")',
    });
    expect(problem({ ...base, subtree: 'yes' })).toMatchObject({ code: 'BAD_BODY' });
  });

  const member = (over: Partial<SubtreeMember>) => testSubtreeMember({ pid: 10, ...over });

  test('[R8] counts sort members by fate and count those adopted', () => {
    const adopter = {
      pid: 1,
      startTime: 0,
      comm: 'init',
      kind: 'host-init' as const,
      reaps: true,
    };
    const members = [
      member({ fate: 'exits-if-waited', depth: 0 }),
      member({ fate: 'exits', newParent: adopter }),
      member({ fate: 'zombie', zombieOf: { pid: 12, startTime: 3, comm: 'sleep' } }),
      member({ fate: 'survives', effect: 'ignored', newParent: adopter }),
      member({ fate: 'handles', effect: 'handled' }),
      member({ fate: 'killed' }),
    ];
    expect(subtreeCounts(members)).toEqual({
      members: 6,
      exits: 2,
      zombies: 1,
      survives: 2,
      killed: 1,
      orphans: 2,
    });
    expect(subtreeCounts([])).toEqual({
      members: 0,
      exits: 0,
      zombies: 0,
      survives: 0,
      killed: 0,
      orphans: 0,
    });
    const answer = {
      dryRun: true,
      sent: false,
      message: 'x',
      preview: {
        pid: 10,
        startTime: 1,
        comm: 'sleep',
        state: 'S',
        signal: 'SIGTERM',
        containerId: null,
        containerName: null,
        isContainerInit: false,
        effect: 'terminate',
        orphans: [],
        text: 'x',
      },
    };
    const check = Compile(SignalAnswer);
    expect(check.Check(answer)).toBe(true);
    const subtree = { order: 'leaves-first', counts: subtreeCounts(members), members };
    expect(check.Check({ ...answer, subtree })).toBe(true);
    expect(check.Check({ ...answer, subtree: { ...subtree, order: 'any' } })).toBe(false);
  });
});
