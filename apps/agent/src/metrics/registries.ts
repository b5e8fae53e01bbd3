import {
  collectDefaultMetrics,
  type Metric,
  Registry,
  type RegistryContentType,
} from 'prom-client';
import { DEFAULT_MONITOR_PRECISION_MS, registerEventLoopDelay } from './eventLoop.js';
import type { MetricsFormat } from './negotiate.js';
import { type MetricsSource, registerPidscopeMetrics } from './pidscopeMetrics.js';

const CONTENT_TYPES = {
  text: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
} as const;

function newRegistry(format: MetricsFormat): Registry<RegistryContentType> {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(CONTENT_TYPES[format]);
  return registry;
}

/**
 * Gauges that prom-client names like counters (`promtool check metrics`: "non-counter metrics
 * should not have _total suffix"). Their per-type siblings (`nodejs_active_handles{type}`…) stay,
 * and sum to the same number.
 */
const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * The process_* and nodejs_* series describe the Node process, not one app, so each format has
 * one set per process (their monitors are never stopped: one set, however many apps tests build).
 */
const defaults = new Map<MetricsFormat, Registry<RegistryContentType>>();

function defaultMetrics(format: MetricsFormat): Registry<RegistryContentType> {
  let registry = defaults.get(format);
  if (!registry) {
    registry = newRegistry(format);
    collectDefaultMetrics({
      register: registry,
      eventLoopMonitoringPrecision: DEFAULT_MONITOR_PRECISION_MS,
    });
    for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
    registerEventLoopDelay(registry);
    defaults.set(format, registry);
  }
  return registry;
}

export interface MetricsRegistries {
  contentType(format: MetricsFormat): string;
  render(format: MetricsFormat): Promise<string>;
}

/**
 * One registry per format, each with its own metric objects: prom-client 15 renames a counter in
 * place when it renders OpenMetrics (`x_total` becomes `x`), so a counter shared by both formats
 * would lose its `_total` in every text scrape after an OpenMetrics one.
 */
export function createMetricsRegistries(src: MetricsSource): MetricsRegistries {
  const registries = new Map<MetricsFormat, Registry<RegistryContentType>>();
  for (const format of ['text', 'openmetrics'] as const) {
    const own = newRegistry(format);
    registerPidscopeMetrics(own, src);
    // getMetricsAsArray() holds the metric objects themselves, as Registry.merge uses them (its
    // typings say otherwise, and merge is typed for the text format only).
    for (const m of defaultMetrics(format).getMetricsAsArray()) {
      own.registerMetric(m as unknown as Metric);
    }
    registries.set(format, own);
  }
  return {
    contentType: (format) => CONTENT_TYPES[format],
    render: (format) => (registries.get(format) as Registry).metrics(),
  };
}
