import type { CopiedShape } from '../src/copied.js';
import { generatedModule } from './generatedModule.js';

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `t.name`, or `t["name"]` for a name that is not an identifier. */
function read(object: string, field: string): string {
  return IDENTIFIER.test(field) ? `${object}.${field}` : `${object}[${JSON.stringify(field)}]`;
}

/** A property name in an object literal. */
function key(field: string): string {
  // In a literal and in a read alike, `__proto__` is the prototype, not a field.
  if (field === '__proto__') throw new Error('a field named __proto__ cannot be copied');
  return IDENTIFIER.test(field) ? field : JSON.stringify(field);
}

/**
 * An ES module with one copier per shape: `(t, c) => ({ f: …, … })` over the shape's fields in
 * order, each field a copy of `c`'s when it is in `from` and present there, else of `t`'s (fields
 * not in `from` are `t`'s as they are). Only the shape's own field names are ever read, so a key
 * such as `__proto__` in the input is never copied. It evaluates nothing.
 */
export function copierModule(shapes: Readonly<Record<string, CopiedShape>>): string {
  const entries = Object.entries(shapes).map(([name, { fields, from }]) => {
    const taken = from === undefined ? null : new Set(from);
    const props = fields.map((f) => {
      const t = read('t', f);
      if (taken === null) return `    ${key(f)}: copyValue(${t}),`;
      if (!taken.has(f)) return `    ${key(f)}: ${t},`;
      const c = read('c', f);
      return `    ${key(f)}: Object.hasOwn(c, ${JSON.stringify(f)}) && ${c} !== undefined ? copyValue(${c}) : ${t},`;
    });
    return [`  ${JSON.stringify(name)}: (t, c) => ({`, ...props, '  }),'].join('\n');
  });
  return generatedModule({
    from: 'src/copied.ts',
    about: [],
    imports: ["import { copyValue } from '../fields.js';"],
    exportName: 'copiers',
    entryType: '(target: any, changes?: any) => any',
    names: Object.keys(shapes),
    entries: entries.join('\n'),
  });
}
