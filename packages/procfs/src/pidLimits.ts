import { parseError } from './errors.js';
import { readText } from './readFile.js';

/** One row of /proc/<pid>/limits. null means `unlimited`. */
export interface ResourceLimit {
  name: string;
  soft: number | null;
  hard: number | null;
  /** `processes`, `bytes`, … or '' when the kernel prints none. */
  units: string;
}

const ROW = /^(\S.*?)\s{2,}(\S+)\s+(\S+)(?:\s+(\S+))?\s*$/;

/** Parses the /proc/<pid>/limits table (fixed-width columns under a `Limit` header). */
export function parsePidLimits(text: string, file = 'limits'): ResourceLimit[] {
  const rows = text.split('\n').filter((l) => l.trim() !== '');
  if (!rows[0]?.startsWith('Limit')) throw parseError(file, 'missing "Limit" header', text);
  return rows.slice(1).map((row) => {
    const m = ROW.exec(row);
    const soft = m ? limitValue(m[2] as string) : Number.NaN;
    const hard = m ? limitValue(m[3] as string) : Number.NaN;
    if (!m || Number.isNaN(soft) || Number.isNaN(hard)) {
      throw parseError(file, `bad row ${JSON.stringify(row)}`, text);
    }
    return { name: m[1] as string, soft, hard, units: m[4] ?? '' };
  });
}

function limitValue(raw: string): number | null {
  return raw === 'unlimited' ? null : /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
}

/**
 * RLIMIT_NPROC ("Max processes"): tasks per real UID per user namespace. Root and holders of
 * CAP_SYS_RESOURCE/CAP_SYS_ADMIN are exempt.
 */
export function maxProcesses(limits: readonly ResourceLimit[]): ResourceLimit | null {
  return limits.find((l) => l.name === 'Max processes') ?? null;
}

/** Reads /proc/<pid>/limits under `root`; null when the process has vanished. */
export function readPidLimits(pid: number, root = '/proc'): ResourceLimit[] | null {
  const file = `${root}/${pid}/limits`;
  const text = readText(file);
  return text === null ? null : parsePidLimits(text, file);
}
