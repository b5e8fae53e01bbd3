import { describe, expect, it } from 'vitest';
import { kernelWorkerName, PF_KTHREAD, ProcfsError, parsePidStat } from '../src/index.js';

const tail = (state: string, ppid: number, flags: number, threads: number, start: number) =>
  `${state} ${ppid} 1 1 0 -1 ${flags} 61 0 0 0 5 7 11 13 20 0 ${threads} 0 ${start} 1024 3 18446744073709551615 0 0 0 0 0 0 0 6 0 1 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n`;

describe('parsePidStat', () => {
  it.each([
    ['plain', 'sleep'],
    ['spaces', 'my worker'],
    ['parentheses', 'a) (b'],
    ['trailing paren', 'x)'],
    ['newline', 'two\nlines'],
    ['looks like fields', ') S 1 2 3'],
  ])('takes comm between the first ( and the last ): %s', (_, comm) => {
    const s = parsePidStat(`42 (${comm}) ${tail('S', 7, 0, 3, 12345)}`);
    expect(s).toMatchObject({
      pid: 42,
      comm,
      state: 'S',
      ppid: 7,
      numThreads: 3,
      startTime: 12345,
    });
    expect(s.utime).toBe(5);
    expect(s.stime).toBe(7);
    expect([s.cutime, s.cstime]).toEqual([11, 13]);
    expect(s.rss).toBe(3);
    expect(s.tpgid).toBe(-1);
  });

  it('flags kernel threads by PF_KTHREAD, not by ppid', () => {
    expect(parsePidStat(`2 (kthreadd) ${tail('S', 0, PF_KTHREAD | 0x40, 1, 0)}`).kernelThread).toBe(
      true,
    );
    expect(parsePidStat(`9 (sh) ${tail('S', 2, 0x400100, 1, 10)}`).kernelThread).toBe(false);
  });

  it('keeps zombies', () => {
    expect(parsePidStat(`10506 (sleep) ${tail('Z', 10491, 4227084, 1, 57260)}`).state).toBe('Z');
  });

  it.each([
    ['empty', ''],
    ['no parens', '42 sleep S 1'],
    ['truncated', '42 (sleep) S 1 2 3'],
    ['not a number', `42 (x) ${tail('S', 1, 0, 1, 5).replace(' 20 0 ', ' 20 zz ')}`],
    ['bad pid', `4x2 (x) ${tail('S', 1, 0, 1, 5)}`],
  ])('throws EPARSE naming the file and showing the text: %s', (_, text) => {
    let caught: unknown;
    try {
      parsePidStat(text, '/proc/42/stat');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProcfsError);
    const err = caught as ProcfsError;
    expect(err.code).toBe('EPARSE');
    expect(err.file).toBe('/proc/42/stat');
    expect(err.text).toBe(text);
    expect(err.message).toContain('/proc/42/stat');
  });
});

describe('kernelWorkerName', () => {
  it.each([
    ['kworker/1:0-events', 'kworker/1:0', 'events'],
    ['kworker/0:1H-kblockd', 'kworker/0:1H', 'kblockd'],
    ['kworker/u8:2-flush-254:0', 'kworker/u8:2', 'flush-254:0'],
    ['kworker/1:2+mm_percpu_wq', 'kworker/1:2', '+mm_percpu_wq'],
    ['kworker/0:0', 'kworker/0:0', null],
    // Rescuers carry their workqueue in their name for good.
    ['kworker/R-mm_percpu_wq', 'kworker/R-mm_percpu_wq', null],
    ['ksoftirqd/0', 'ksoftirqd/0', null],
    ['my-kworker/1:0-x', 'my-kworker/1:0-x', null],
  ])('%s → %s and %s', (comm, name, workqueue) => {
    expect(kernelWorkerName(comm)).toEqual({ name, workqueue });
  });
});
