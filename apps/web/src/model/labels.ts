import type { ExecSession, Process, ZombieFate } from '@pidscope/protocol';
import { execLabel, inContainerPid } from '@pidscope/protocol';

/** What a row says of a process's zombie-to-be ([S11]): only when it may not be reaped. */
export function fateBadge(fate: ZombieFate): string {
  return fate.reaped === false ? 'will stay a zombie' : 'may stay a zombie';
}

/**
 * The accessible name of a drawn process: "sleep, PID 4425, container PID 1, cpu 37%, rss 120 MB,
 * zombie" (CPU and memory when there is any), then the `docker exec` it runs
 * ("exec: sh -c 'sleep 30'") and what happens when it exits, when it may not be reaped.
 */
export function processLabel(p: Process, exec?: ExecSession, fate?: ZombieFate): string {
  const parts = [p.comm || '?', `PID ${p.pid}`];
  const ns = inContainerPid(p);
  if (ns !== null) parts.push(`container PID ${ns}`);
  if (p.cpu > 0) parts.push(`cpu ${p.cpu}%`);
  if (p.rssBytes > 0) parts.push(`rss ${formatMemory(p.rssBytes)}`);
  if (p.state === 'Z') parts.push('zombie');
  if (exec) parts.push(execLabel(exec));
  if (fate) parts.push(`${fateBadge(fate)} when it exits`);
  return parts.join(', ');
}

/** Resident memory the way top and docker stats write it: 120 MB, 1.2 GB, 900 kB (powers of 1000). */
export function formatMemory(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${i > 0 && v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

const STATES: Record<string, string> = {
  R: 'running',
  S: 'sleeping',
  D: 'uninterruptible (disk) sleep',
  T: 'stopped',
  t: 'traced',
  Z: 'zombie',
  X: 'dead',
  I: 'idle kernel thread',
  P: 'parked',
  W: 'paging',
  K: 'wakekill',
};

export function stateName(state: string): string {
  return STATES[state] ?? state;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function formatClock(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// One formatter for every count: Number#toLocaleString builds a new one per call (the headroom
// panel formats about a hundred numbers per render).
const counts = new Intl.NumberFormat('en-US');

/** 12,345 */
export function formatCount(n: number): string {
  return counts.format(n);
}
