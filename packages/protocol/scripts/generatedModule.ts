/** What a generated module holds: one exported object of entries by name. */
export interface GeneratedModule {
  /** The file it is generated from, under src/. */
  from: string;
  /** Lines said under the header, without the `// `. */
  about: readonly string[];
  imports: readonly string[];
  exportName: string;
  /** The type of each entry's value. */
  entryType: string;
  names: readonly string[];
  /** The entries' source, one `name: value,` after another. */
  entries: string;
}

/** The text of a generated module: its header, imports, and the exported object. */
export function generatedModule(m: GeneratedModule): string {
  const names = m.names.map((name) => JSON.stringify(name)).join(' | ') || 'never';
  return [
    '// @ts-nocheck',
    `// Generated from ${m.from} by scripts/generate.ts (npm run generate): do not edit.`,
    ...m.about.map((line) => `// ${line}`),
    ...m.imports,
    '',
    `export const ${m.exportName}: { readonly [name in ${names}]: ${m.entryType} } = {`,
    m.entries,
    '};',
    '',
  ].join('\n');
}
