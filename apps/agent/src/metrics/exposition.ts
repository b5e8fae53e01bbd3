/** Prometheus text exposition format 0.0.4, written by hand. */

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export type Labels = Readonly<Record<string, string>>;

function labelText(labels: Labels | undefined): string {
  if (!labels) return '';
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function num(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

export class Exposition {
  readonly #lines: string[] = [];

  /** One metric family: HELP, TYPE and its samples. */
  family(
    name: string,
    type: 'gauge' | 'counter',
    help: string,
    samples: readonly { labels?: Labels; value: number }[],
  ): this {
    this.#lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    this.#lines.push(`# TYPE ${name} ${type}`);
    for (const s of samples) this.#lines.push(`${name}${labelText(s.labels)} ${num(s.value)}`);
    return this;
  }

  /** A histogram from cumulative bucket counts (upper bound → count of observations ≤ it). */
  histogram(
    name: string,
    help: string,
    buckets: ReadonlyMap<number, number>,
    count: number,
    sum: number,
  ): this {
    this.#lines.push(`# HELP ${name} ${help}`);
    this.#lines.push(`# TYPE ${name} histogram`);
    for (const [le, c] of [...buckets].sort((a, b) => a[0] - b[0])) {
      this.#lines.push(`${name}_bucket{le="${num(le)}"} ${c}`);
    }
    this.#lines.push(`${name}_bucket{le="+Inf"} ${count}`);
    this.#lines.push(`${name}_sum ${num(sum)}`);
    this.#lines.push(`${name}_count ${count}`);
    return this;
  }

  toString(): string {
    return `${this.#lines.join('\n')}\n`;
  }
}
