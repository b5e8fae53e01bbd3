import { describe, expect, test } from 'vitest';
import { copierModule } from '../scripts/copierModule.js';
import { cloneProcess, processFrom, updateProcess } from '../src/copy.js';
import { PROCESS_FIELDS } from '../src/fields.js';
import { proc } from './fixtures.js';

describe('copiers', () => {
  test('[P12] a copy has the schema’s fields in order, shares no array, and carries no extra', () => {
    const p = proc(7, 70, { cmdline: ['sleep', '9'], nsPids: [7, 1] });
    const copy = cloneProcess({ ...p, cgroupPath: '/x', __proto__: { bad: 1 } } as typeof p);
    expect(Object.keys(copy)).toEqual(PROCESS_FIELDS);
    expect(copy).toEqual(p);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(copy.cmdline).not.toBe(p.cmdline);
    expect(copy.nsPids).not.toBe(p.nsPids);
    const { zombieSince: _, ...record } = p;
    expect(processFrom(record, 5)).toEqual({ ...p, zombieSince: 5 });
  });

  test('[P12] an update takes the updatable fields it carries, never the key or a fixed field', () => {
    const p = proc(7, 70, { rssBytes: 1 });
    const u = { pid: 7, startTime: 70, rssBytes: 2, state: undefined, nsPids: [9] };
    const next = updateProcess(p, u as Parameters<typeof updateProcess>[1]);
    expect(next).toEqual({ ...p, rssBytes: 2 });
    expect(next.nsPids).toBe(p.nsPids);
  });

  test('[P12] a field named __proto__ is refused when the module is written', () => {
    expect(() => copierModule({ odd: { fields: ['pid', '__proto__'] } })).toThrow(/__proto__/);
  });
});
