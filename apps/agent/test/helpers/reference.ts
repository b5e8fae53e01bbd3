import { kernelWorkerName, ProcScanner } from '@pidscope/procfs';
import { type Process, processKey } from '@pidscope/protocol';

/** The fields the model must hold exactly as a fresh read of /proc shows them. */
export interface Row {
  key: string;
  ppid: number;
  zombie: boolean;
  state: string;
  comm: string;
  nsPids: string;
  containerId: string | null;
}

const row = (p: Omit<Process, 'zombieSince'>): Row => ({
  key: processKey(p),
  ppid: p.ppid,
  zombie: p.state === 'Z',
  state: p.state,
  comm: p.kernelThread ? kernelWorkerName(p.comm).name : p.comm,
  nsPids: p.nsPids.join(' '),
  containerId: p.containerId,
});

/** Every process as a new scanner reads it now: the reference the model is held to. */
export function freshRows(): Map<string, Row> {
  const scanner = new ProcScanner();
  try {
    return new Map(scanner.scan().processes.map((r) => [processKey(r), row(r)]));
  } finally {
    scanner.close();
  }
}

export interface Mismatch {
  key: string;
  why: string;
}

/**
 * Compares the model with /proc on a machine where other processes come and go meanwhile: /proc
 * is read before and after the model, and only what both reads agree on is held against it.
 * - missing: a process in both reads (unchanged) that the model lacks;
 * - phantom: a process the model holds that neither read saw;
 * - differing: a process unchanged across both reads whose ppid, comm, NSpid chain, container or
 *   zombie state the model has otherwise. Running and sleeping are one class here: a process
 *   flips between them all the time and the kernel reports neither; `exactState` lists keys whose
 *   state letter must match too.
 */
export async function compareWithProc(
  readModel: () => Promise<readonly Process[]> | readonly Process[],
  exactState: ReadonlySet<string> = new Set(),
): Promise<{ compared: number; mismatches: Mismatch[] }> {
  const before = freshRows();
  const model = new Map((await readModel()).map((p) => [processKey(p), row(p)]));
  const after = freshRows();
  const mismatches: Mismatch[] = [];
  let compared = 0;
  for (const [key, a] of before) {
    const b = after.get(key);
    if (!b || JSON.stringify(a) !== JSON.stringify(b)) continue;
    compared++;
    const m = model.get(key);
    if (!m) {
      mismatches.push({ key, why: `missing: ${JSON.stringify(a)}` });
      continue;
    }
    for (const field of ['ppid', 'zombie', 'comm', 'nsPids', 'containerId'] as const) {
      if (m[field] !== a[field]) {
        mismatches.push({ key, why: `${field}: model ${m[field]}, /proc ${a[field]}` });
      }
    }
    if (exactState.has(key) && m.state !== a.state) {
      mismatches.push({ key, why: `state: model ${m.state}, /proc ${a.state}` });
    }
  }
  for (const [key, m] of model) {
    if (!before.has(key) && !after.has(key)) {
      mismatches.push({ key, why: `phantom: ${JSON.stringify(m)}` });
    }
  }
  return { compared, mismatches };
}

/**
 * `compareWithProc` until two rounds in a row agree on a mismatch, or one finds none: a process
 * that starts or ends between the reads of one round shows as a mismatch once, a model that is
 * wrong shows it every time.
 */
export async function persistentMismatches(
  readModel: () => Promise<readonly Process[]> | readonly Process[],
  exactState: ReadonlySet<string> = new Set(),
  rounds = 4,
): Promise<{ compared: number; mismatches: Mismatch[] }> {
  let previous: Mismatch[] | null = null;
  let last = { compared: 0, mismatches: [] as Mismatch[] };
  for (let i = 0; i < rounds; i++) {
    last = await compareWithProc(readModel, exactState);
    if (last.mismatches.length === 0) return last;
    if (previous) {
      const seen = new Set<string>(previous.map((m) => `${m.key} ${m.why}`));
      const again: Mismatch[] = last.mismatches.filter((m) => seen.has(`${m.key} ${m.why}`));
      if (again.length === 0) return { compared: last.compared, mismatches: [] };
      previous = again;
    } else {
      previous = last.mismatches;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { compared: last.compared, mismatches: previous ?? [] };
}
