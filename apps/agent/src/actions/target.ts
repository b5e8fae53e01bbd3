import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

const PF_KTHREAD = 0x00200000;

/**
 * A process as an action sees it, read fresh from /proc right before acting: the identity
 * (pid + start time), whether it is a thread-group leader, and its signal masks.
 */
export interface Target {
  pid: number;
  /** Thread-group id: equals pid for a process; differs for a non-leader thread id. */
  tgid: number;
  ppid: number;
  state: string;
  comm: string;
  cmdline: string[];
  startTime: number;
  kernelThread: boolean;
  /** NSpid chain, host first; [pid] when the kernel does not report it. */
  nsPids: number[];
  /** Hex masks from status; null when absent. */
  sigCgt: string | null;
  sigIgn: string | null;
  sigBlk: string | null;
}

export interface ParsedStat {
  comm: string;
  state: string;
  ppid: number;
  flags: number;
  startTime: number;
}

/** Parses /proc/<pid>/stat; the command name is everything between the first `(` and the last `)`. */
export function parsePidStatText(text: string): ParsedStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open === -1 || close < open) throw new Error(`malformed stat: ${JSON.stringify(text)}`);
  const rest = text.slice(close + 2).split(' ');
  const num = (i: number): number => {
    const n = Number(rest[i]);
    if (!Number.isSafeInteger(n)) throw new Error(`malformed stat field ${i + 3}: ${rest[i]}`);
    return n;
  };
  return {
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: num(1),
    flags: num(6),
    startTime: num(19),
  };
}

/** The `Key:\tvalue` lines of /proc/<pid>/status. */
export function parseStatusText(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) out.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return out;
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH';
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (isGone(err)) return null;
    throw err;
  }
}

function splitCmdline(text: string): string[] {
  const args = text.split('\0');
  if (args.at(-1) === '') args.pop();
  return args;
}

/** Reads one PID (which may be any thread id) from procRoot; null when it does not exist. */
export function readTarget(procRoot: string, pid: number): Target | null {
  const statText = readOrNull(join(procRoot, String(pid), 'stat'));
  if (statText === null) return null;
  const statusText = readOrNull(join(procRoot, String(pid), 'status'));
  if (statusText === null) return null;
  const cmdlineText = readOrNull(join(procRoot, String(pid), 'cmdline')) ?? '';
  const stat = parsePidStatText(statText);
  const status = parseStatusText(statusText);
  const nsPids = (status.get('NSpid') ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter(Number.isSafeInteger);
  const tgid = Number(status.get('Tgid') ?? pid);
  return {
    pid,
    tgid: Number.isSafeInteger(tgid) ? tgid : pid,
    ppid: stat.ppid,
    state: stat.state,
    comm: stat.comm,
    cmdline: splitCmdline(cmdlineText),
    startTime: stat.startTime,
    kernelThread: (stat.flags & PF_KTHREAD) !== 0 || status.get('Kthread') === '1',
    nsPids: nsPids.length ? nsPids : [pid],
    sigCgt: status.get('SigCgt') ?? null,
    sigIgn: status.get('SigIgn') ?? null,
    sigBlk: status.get('SigBlk') ?? null,
  };
}

/** Only the identity: cheapest possible read, for the re-check right before kill(2). */
export function readIdentity(
  procRoot: string,
  pid: number,
): { startTime: number; state: string } | null {
  const text = readOrNull(join(procRoot, String(pid), 'stat'));
  if (text === null) return null;
  const stat = parsePidStatText(text);
  return { startTime: stat.startTime, state: stat.state };
}

/**
 * The agent's own PID as procRoot sees it. `<procRoot>/self` resolves in the PID namespace of the
 * procfs mount, so an agent in a container reading the host's /proc still finds its host PID.
 */
export function selfPid(procRoot: string, fallback: number): number {
  try {
    const n = Number(readlinkSync(join(procRoot, 'self')));
    return Number.isSafeInteger(n) && n > 0 ? n : fallback;
  } catch {
    return fallback;
  }
}

/** PIDs from `pid` up to (excluding) 0: itself, its parent, … , PID 1. */
export function ancestry(procRoot: string, pid: number): number[] {
  const chain: number[] = [];
  let current = pid;
  while (current > 0 && chain.length < 4096 && !chain.includes(current)) {
    chain.push(current);
    const text = readOrNull(join(procRoot, String(current), 'stat'));
    if (text === null) break;
    current = parsePidStatText(text).ppid;
  }
  return chain;
}
