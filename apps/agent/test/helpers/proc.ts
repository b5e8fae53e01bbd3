import { readFileSync } from 'node:fs';
import { afterEach } from 'vitest';

/** Host PIDs of a process's children, straight from /proc (independent of the agent). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export function statusField(pid: number, field: string): string | null {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${field}:`));
    return line ? line.slice(field.length + 1).trim() : null;
  } catch {
    return null;
  }
}

/** The fields of /proc/<pid>/stat after the command name (state is [0]); null once it is gone. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

export function stateOf(pid: number): string | null {
  return statFields(pid)?.[0] ?? null;
}

export function ppidOf(pid: number): number | null {
  const f = statFields(pid);
  return f ? Number(f[1]) : null;
}

/** starttime (stat field 22, clock ticks since boot): with the PID, what tells a process apart. */
export function startTimeOf(pid: number): number | null {
  const f = statFields(pid);
  return f ? Number(f[19]) : null;
}

export function commOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/** PIDs put on the returned list get SIGKILL after each test of the file (those still there). */
export function killedAfterEach(): number[] {
  const pids: number[] = [];
  afterEach(() => {
    for (const pid of pids.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  return pids;
}
