/** Demo limits, from the environment (defaults suit a laptop). */
export interface DemoConfig {
  /** Demos running at once, per agent. */
  maxRunning: number;
  /** Each demo is removed after this long. */
  lifetimeMs: number;
}

function positive(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new Error(`${JSON.stringify(raw)} is not an integer from 1 to ${max}`);
  }
  return n;
}

export function loadDemoConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): DemoConfig {
  return {
    maxRunning: positive(env.PIDSCOPE_DEMO_MAX, 6, 50),
    lifetimeMs: positive(env.PIDSCOPE_DEMO_LIFETIME_MS, 10 * 60_000, 24 * 3_600_000),
  };
}
