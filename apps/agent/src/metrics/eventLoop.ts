import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { Gauge, type Registry, type RegistryContentType } from 'prom-client';

/**
 * How often the event loop's delay is sampled. prom-client samples every 10 ms by default, for each
 * of the two formats' registries. On a virtual machine a wake-up of an idle Node thread costs
 * about a millisecond of CPU whatever it does (measured here: a bare `setInterval` of 1 s costs
 * 4.5 ms a wake-up on a cold cache, Python 0.7 ms): sampling every 100 ms was a third of the
 * agent's main-thread CPU on a quiet host. Once a second, for every registry together, still
 * catches any stall longer than a second, and a shorter one when the timer falls due within it.
 */
export const LAG_RESOLUTION_MS = 1000;

/**
 * prom-client's own histogram, whose gauges this module's replace: at this resolution its timer
 * wakes once a minute. (collectDefaultMetrics offers no way to leave the event-loop figures out.)
 */
export const DEFAULT_MONITOR_PRECISION_MS = 60_000;

/** The figures prom-client reads from its histogram; this module serves them instead. */
const FIGURES = [
  ['min', 'The minimum recorded event loop delay.'],
  ['max', 'The maximum recorded event loop delay.'],
  ['mean', 'The mean of the recorded event loop delays.'],
  ['stddev', 'The standard deviation of the recorded event loop delays.'],
  ['p50', 'The 50th percentile of the recorded event loop delays.'],
  ['p90', 'The 90th percentile of the recorded event loop delays.'],
  ['p99', 'The 99th percentile of the recorded event loop delays.'],
] as const;

type Figure = (typeof FIGURES)[number][0];

/** The family name of a figure, as prom-client names it. */
export const lagFamily = (figure: Figure) => `nodejs_eventloop_lag_${figure}_seconds`;

/** The delay figures of a histogram of delays in ns, in seconds; null when it recorded nothing. */
export function lagFigures(
  h: Pick<RecordableHistogram, 'count' | 'min' | 'max' | 'mean' | 'stddev' | 'percentile'>,
): Record<Figure, number> | null {
  if (h.count === 0) return null;
  return {
    min: h.min / 1e9,
    max: h.max / 1e9,
    mean: h.mean / 1e9,
    stddev: h.stddev / 1e9,
    p50: h.percentile(50) / 1e9,
    p90: h.percentile(90) / 1e9,
    p99: h.percentile(99) / 1e9,
  };
}

/** The histograms of the registries served, which the one timer records into. */
const monitored = new Set<RecordableHistogram>();

/**
 * How long the timer keeps running after the last sign of work (see loopBusy): one tick, whose
 * lateness holds any stall the work caused. A loop with nothing to do has no delay to measure,
 * and on a quiet host the timer's own wake-ups would be most of the main thread's CPU; any stall
 * happens while the loop works, and work wakes the timer first. (At 5 s, each safety rescan kept
 * it running a third of the time on a quiet host: five wake-ups of the main thread every 15 s.)
 */
export const LAG_AWAKE_MS = LAG_RESOLUTION_MS;

let timer: NodeJS.Timeout | null = null;
let lastWork = Number.NEGATIVE_INFINITY;

/**
 * Records how late a timer due every LAG_RESOLUTION_MS runs: that lateness is the loop's delay.
 * (Node's monitorEventLoopDelay records the whole interval between its callbacks, so an idle loop
 * reads the resolution, and after each reset it drops the next interval, the one holding a stall
 * that began before the scrape.) One timer serves every registry: each has its histogram, since
 * each scrape resets its own. It runs from a sign of work until LAG_AWAKE_MS after the last.
 */
function startTimer(): void {
  let last = performance.now();
  timer = setInterval(() => {
    const now = performance.now();
    // In ns, at least 1 (what a histogram can record).
    const late = Math.max(1, Math.round((now - last - LAG_RESOLUTION_MS) * 1e6));
    for (const h of monitored) h.record(late);
    last = now;
    if (now - lastWork >= LAG_AWAKE_MS && timer) {
      clearInterval(timer);
      timer = null;
    }
  }, LAG_RESOLUTION_MS).unref();
}

/**
 * A sign that the main thread has work: a sample from the sampler, a request, a scrape. The delay
 * is measured from now until LAG_AWAKE_MS after the last one.
 */
export function loopBusy(): void {
  lastWork = performance.now();
  if (!timer && monitored.size > 0) startTimer();
}

/** Whether the delay is being measured now (work was seen within LAG_AWAKE_MS). */
export function measuringLag(): boolean {
  return timer !== null;
}

function delayMonitor(): RecordableHistogram {
  const histogram = createHistogram();
  monitored.add(histogram);
  loopBusy();
  return histogram;
}

/**
 * Puts the event-loop delay gauges in `registry`, in place of prom-client's, from a histogram of
 * its own: each scrape reads the delays since the previous one, then resets. A scrape before the
 * first sample keeps the previous figures.
 */
export function registerEventLoopDelay(registry: Registry<RegistryContentType>): void {
  for (const [figure] of FIGURES) registry.removeSingleMetric(lagFamily(figure));
  const histogram = delayMonitor();
  const gauges = new Map<Figure, Gauge>();
  for (const [figure, help] of FIGURES) {
    const collect =
      figure === 'min'
        ? () => {
            // A scrape is work too: the timer runs LAG_AWAKE_MS after it, so the next scrape has
            // delays to read even if the loop had nothing else to do.
            loopBusy();
            const f = lagFigures(histogram);
            if (!f) return;
            for (const [name, g] of gauges) g.set(f[name]);
            histogram.reset();
          }
        : undefined;
    gauges.set(
      figure,
      new Gauge({ name: lagFamily(figure), help, registers: [registry], collect }),
    );
  }
}
