import { appendFile, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One line of the audit file. */
export interface AuditEntry {
  /** ms since epoch. */
  at: number;
  /** `token:<short hash>` when the request carried the right token, else null. */
  actor: string | null;
  /** Remote address of the request. */
  remote: string;
  /** e.g. "signal", "reap", "demo-start", "demo-stop". */
  action: string;
  dryRun: boolean;
  target: { pid: number | null; startTime: number | null } | null;
  signal: string | null;
  /** HTTP status answered. */
  status: number;
  /** What happened, in words (or the refusal code). */
  outcome: string;
  /** Extra context: demo name/id, container, plan. */
  detail?: Record<string, unknown>;
}

export interface AuditLog {
  readonly file: string;
  append(entry: AuditEntry): Promise<void>;
  /** The newest `limit` entries, oldest first. */
  tail(limit: number): Promise<AuditEntry[]>;
  /** Resolves when every append so far is on disk. */
  flush(): Promise<void>;
}

/** The audit file only grows; reading its end keeps GET /api/v1/audit cheap. */
const TAIL_BYTES = 4 * 1024 * 1024;

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

/** A JSON-lines file written by one agent; appends are serialised so lines never interleave. */
export function createAuditLog(file: string): AuditLog {
  let chain: Promise<void> = mkdir(dirname(file), { recursive: true }).then(() => undefined);
  const append = (entry: AuditEntry): Promise<void> => {
    const line = `${JSON.stringify(entry)}\n`;
    chain = chain.then(() => appendFile(file, line, { mode: 0o600 }));
    // A full disk must not take the agent down; the caller logs the failure.
    const written = chain;
    chain = chain.catch(() => undefined);
    return written;
  };
  return {
    file,
    append,
    flush: () => chain,
    async tail(limit) {
      await chain;
      const text = await readTail(file, TAIL_BYTES);
      const lines = text.split('\n').filter(Boolean);
      const out: AuditEntry[] = [];
      for (const line of lines.slice(-limit)) {
        try {
          out.push(JSON.parse(line) as AuditEntry);
        } catch {
          // A line cut short by a crash: skip it, keep the rest readable.
        }
      }
      return out;
    },
  };
}
