import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import { memo } from 'react';
import type { Sample } from '../model/headroom.js';
import './Sparkline.css';

interface Props {
  samples: readonly Sample[];
  /** The window drawn, ending at the newest sample. */
  windowMs: number;
  /** The y-axis top: a limit when there is one, else the series' own maximum. */
  max?: number | null;
  width?: number;
  height?: number;
  label: string;
}

/** A small history chart: D3 computes the scales and the path, React draws it. */
function SparklineChart({ samples, windowMs, max, width = 120, height = 28, label }: Props) {
  let peak = 1;
  for (const s of samples) if (s.value > peak) peak = s.value;
  const now = samples[samples.length - 1]?.at ?? 0;
  const top = max && max > 0 ? Math.max(max, peak) : peak * 1.15;
  // Until a full window is recorded, the chart spans what there is (at least a minute).
  const first = samples[0]?.at ?? now;
  const x = scaleLinear()
    .domain([Math.min(now - 60_000, Math.max(now - windowMs, first)), now])
    .range([0, width]);
  const y = scaleLinear()
    .domain([0, top])
    .range([height - 1, 1]);
  // At most one point per pixel column: the chart is 120 px wide, the history up to 600 samples.
  const step = Math.max(1, Math.ceil(samples.length / width));
  const points = step === 1 ? (samples as Sample[]) : samples.filter((_, i) => i % step === 0);
  const stroke = line<Sample>()
    .x((s) => x(s.at))
    .y((s) => y(s.value))(points);
  return (
    <svg className="sparkline" width={width} height={height} role="img" aria-label={label}>
      <line className="spark-base" x1={0} x2={width} y1={height - 0.5} y2={height - 0.5} />
      {stroke ? <path className="spark-line" d={stroke} /> : null}
    </svg>
  );
}

/** What a series looks like now: it grows in place, by a sample a second at most. */
function stamp(samples: readonly Sample[]): string {
  const last = samples[samples.length - 1];
  return last ? `${samples.length}:${samples[0]?.at}:${last.at}:${last.value}` : '';
}

/**
 * Redrawn when the series gains or changes a sample, not on every render of the panel: a patch
 * and a clock tick each render it, and a dozen charts redrawn twice a second cost milliseconds
 * a frame on a busy host.
 */
export const Sparkline = memo(
  function Sparkline(props: Props & { stamp?: string }) {
    return <SparklineChart {...props} />;
  },
  (a, b) =>
    a.stamp === b.stamp &&
    a.windowMs === b.windowMs &&
    a.max === b.max &&
    a.width === b.width &&
    a.height === b.height &&
    a.label === b.label,
);

/** The props of a Sparkline for a series of the history. */
export function series(samples: readonly Sample[]): { samples: readonly Sample[]; stamp: string } {
  return { samples, stamp: stamp(samples) };
}
