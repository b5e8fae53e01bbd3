import { isDeepStrictEqual } from 'node:util';
import type { TSchema } from 'typebox';
import { Format } from 'typebox/format';
import { Build } from 'typebox/schema';
import { generatedModule } from './generatedModule.js';

/** An external value of typebox's check code (`External[i]`), as source text. */
function literal(value: unknown, where: string): { text: string; format: boolean } {
  if (value instanceof RegExp) return { text: value.toString(), format: false };
  if (typeof value === 'function') {
    const format = Format.Entries().find(([, check]) => check === value);
    if (format) return { text: `Format.Get(${JSON.stringify(format[0])})`, format: true };
  } else {
    const json = JSON.stringify(value);
    if (json !== undefined && isDeepStrictEqual(JSON.parse(json), value)) {
      return { text: json, format: false };
    }
  }
  throw new Error(
    `${where} is not data (a refinement's function?) and cannot be written out as code: check it apart from the schema`,
  );
}

/**
 * An ES module with one checker per schema: the code typebox's Compile would hand to
 * `new Function` (its Build), each in its own scope with its external values (patterns, formats,
 * constants) written out as literals. It evaluates nothing, so a page under a Content-Security-Policy
 * without 'unsafe-eval' runs it, at the speed Compile gives Node.
 */
export function checkerModule(schemas: Readonly<Record<string, TSchema>>): string {
  const uses = { format: false, unevaluated: false };
  const entries = Object.entries(schemas).map(([name, schema]) => {
    const build = Build(schema);
    const external = build.External();
    const values = external.variables.map((value, i) => {
      const { text, format } = literal(value, `${name} (external ${i})`);
      uses.format ||= format;
      return text;
    });
    uses.unevaluated ||= build.UseUnevaluated();
    const body = build.UseUnevaluated()
      ? `{ const context = new CheckContext({}, {}); return ${build.Entry()}; }`
      : build.Entry();
    return [
      `  ${JSON.stringify(name)}: (() => {`,
      `    const ${external.identifier} = [${values.join(', ')}];`,
      ...build.Functions().map((f) => `    ${f};`),
      `    return (value) => ${body};`,
      '  })(),',
    ].join('\n');
  });
  const code = entries.join('\n');
  const imports = [
    uses.unevaluated ? `import { CheckContext } from 'typebox/schema';` : null,
    uses.format ? `import { Format } from 'typebox/format';` : null,
    /\bGuard\./.test(code) ? `import { Guard } from 'typebox/guard';` : null,
    /\bHashing\./.test(code) ? `import { Hashing } from 'typebox/system';` : null,
  ].filter((line) => line !== null);
  return generatedModule({
    from: 'src/checked.ts',
    about: [
      "Each checker is typebox's own check code for its schema, written out so that checking never",
      'needs eval.',
    ],
    imports,
    exportName: 'checks',
    entryType: '(value: unknown) => boolean',
    names: Object.keys(schemas),
    entries: code,
  });
}
