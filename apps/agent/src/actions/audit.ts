import { appendFile, mkdir, open, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditEntry, AuditRefusals } from '@pidscope/protocol';

export interface AuditLog {
  readonly file: string;
  append(entry: AuditEntry): Promise<void>;
  /**
   * Counts a request refused before it proved it holds the token. Refusals are not a line each
   * (a flood would push the real entries out): at most one summary line per summary interval.
   */
  refused(code: string): void;
  /** Refusals counted since start, by code. */
  refusals(): AuditRefusals;
  /** The newest `limit` entries, oldest first. */
  tail(limit: number): Promise<AuditEntry[]>;
  /** Resolves when every append so far is on disk. */
  flush(): Promise<void>;
}

/** Reading only the end of the file keeps GET /api/v1/audit cheap. */
const TAIL_BYTES = 4 * 1024 * 1024;

export interface AuditLogOptions {
  /** Past this size the file becomes `<file>.1` (replacing the previous one) and a new one starts. */
  maxBytes?: number;
  /** How often at most a summary of refusals is written. */
  summaryEveryMs?: number;
}

async function readTail(file: string, maxBytes: number): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    const text = buf.toString('utf8');
    // Starting mid-file: drop the partial first line.
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    await handle.close();
  }
}

function parseLines(text: string): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as AuditEntry);
    } catch {
      // A line cut short by a crash: skip it, keep the rest readable.
    }
  }
  return out;
}

/**
 * A JSON-lines file written by one agent; appends are serialised so lines never interleave. It
 * holds at most about twice `maxBytes`: the current file and the one rotated before it.
 */
export function createAuditLog(file: string, opts: AuditLogOptions = {}): AuditLog {
  const maxBytes = opts.maxBytes ?? 8 * 1024 * 1024;
  const summaryEveryMs = opts.summaryEveryMs ?? 60_000;
  const rotated = `${file}.1`;
  let size = 0;
  let chain: Promise<void> = mkdir(dirname(file), { recursive: true })
    .then(() => stat(file))
    .then(
      (st) => {
        size = st.size;
      },
      () => undefined,
    );
  const write = async (line: string) => {
    const bytes = Buffer.byteLength(line);
    if (size > 0 && size + bytes > maxBytes) {
      await rename(file, rotated);
      size = 0;
    }
    await appendFile(file, line, { mode: 0o600 });
    size += bytes;
  };
  const append = (entry: AuditEntry): Promise<void> => {
    const line = `${JSON.stringify(entry)}\n`;
    chain = chain.then(() => write(line));
    // A full disk must not take the agent down; the caller logs the failure.
    const written = chain;
    chain = chain.catch(() => undefined);
    return written;
  };

  const totals = new Map<string, number>();
  let pending = new Map<string, number>();
  let pendingSince = 0;
  let summaryTimer: NodeJS.Timeout | null = null;
  const writeSummary = () => {
    if (summaryTimer) clearTimeout(summaryTimer);
    summaryTimer = null;
    if (pending.size === 0) return;
    const byCode = Object.fromEntries(pending);
    const n = [...pending.values()].reduce((a, b) => a + b, 0);
    pending = new Map();
    const parts = Object.entries(byCode).map(([code, count]) => `${code} ${count}`);
    void append({
      at: Date.now(),
      actor: null,
      remote: '-',
      action: 'refused',
      dryRun: false,
      target: null,
      signal: null,
      status: 401,
      outcome: `${n} request(s) refused before authenticating since ${new Date(pendingSince).toISOString()} (${parts.join(', ')})`,
      detail: { byCode },
    }).catch(() => undefined);
  };

  return {
    file,
    append,
    refused(code) {
      totals.set(code, (totals.get(code) ?? 0) + 1);
      if (pending.size === 0) pendingSince = Date.now();
      pending.set(code, (pending.get(code) ?? 0) + 1);
      if (!summaryTimer) {
        summaryTimer = setTimeout(writeSummary, summaryEveryMs);
        summaryTimer.unref();
      }
    },
    refusals() {
      const byCode = Object.fromEntries(totals);
      return { total: Object.values(byCode).reduce((a, b) => a + b, 0), byCode };
    },
    flush: () => {
      writeSummary();
      return chain;
    },
    async tail(limit) {
      await chain;
      const current = parseLines(await readTail(file, TAIL_BYTES));
      if (current.length >= limit) return current.slice(-limit);
      const older = parseLines(await readTail(rotated, TAIL_BYTES));
      return [...older, ...current].slice(-limit);
    },
  };
}
