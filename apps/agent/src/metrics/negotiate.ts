/** The two exposition formats /metrics speaks. */
export type MetricsFormat = 'openmetrics' | 'text';

const OPENMETRICS = 'application/openmetrics-text';
/** OpenMetrics text versions prom-client's 1.0.0 output answers (0.0.1 is the same text). */
const OPENMETRICS_VERSIONS = new Set([undefined, '1.0.0', '0.0.1']);

interface MediaRange {
  type: string;
  params: Map<string, string>;
  q: number;
}

function parseAccept(accept: string): MediaRange[] {
  return accept.split(',').flatMap((part) => {
    const [type, ...rawParams] = part.split(';').map((s) => s.trim());
    if (!type) return [];
    const params = new Map<string, string>();
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq > 0) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
    }
    const q = params.has('q') ? Number(params.get('q')) : 1;
    return [{ type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0 }];
  });
}

/**
 * Picks the format from an Accept header. OpenMetrics is served when it is asked for by name with
 * a q at least as high as text's: Prometheus lists it first, while curl and browsers (`*\/*`) get
 * the classic text format 0.0.4.
 */
export function negotiateFormat(accept: string | undefined): MetricsFormat {
  if (!accept) return 'text';
  let openMetricsQ = 0;
  let textQ = 0;
  for (const range of parseAccept(accept)) {
    if (range.type === OPENMETRICS && OPENMETRICS_VERSIONS.has(range.params.get('version'))) {
      openMetricsQ = Math.max(openMetricsQ, range.q);
    } else if (range.type === 'text/plain' || range.type === 'text/*' || range.type === '*/*') {
      textQ = Math.max(textQ, range.q);
    }
  }
  return openMetricsQ > 0 && openMetricsQ >= textQ ? 'openmetrics' : 'text';
}
