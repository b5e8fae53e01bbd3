/** A family of the text exposition format 0.0.4 as served: its type and samples. */
export interface Family {
  name: string;
  type: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const SUFFIXES = ['_bucket', '_sum', '_count'];

/** Parses text format 0.0.4; a sample belongs to the family whose TYPE line came before it. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | null = null;
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      current = { name: type[1] as string, type: type[2] as string, samples: [] };
      families.set(current.name, current);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const name = m[1] as string;
    const owner = current && SUFFIXES.some((s) => name === current?.name + s) ? current.name : name;
    if (!current || owner !== current.name) {
      throw new Error(`sample ${name} outside its family (after ${current?.name ?? 'nothing'})`);
    }
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(LABEL)) labels[k as string] = v as string;
    current.samples.push({ name, labels, value: Number(m[3]) });
  }
  return families;
}
