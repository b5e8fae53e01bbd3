/**
 * Errors raised by the history store. A torn tail left by a crash is not an error (the store cuts it
 * off at open); what is:
 * - ECORRUPT: the directory holds something this version cannot read (bad magic or version, a
 *   frame whose CRC fails inside the recorded range). The agent moves such a store aside.
 * - ELOCKED: another live agent records into the same directory.
 * - EFULL: the disk (or quota) is full; recording pauses until a write fits again.
 * - ERANGE: nothing is recorded at the asked moment.
 * - EIO: any other I/O failure, with the errno as `cause`.
 */
export type HistoryErrorCode = 'ECORRUPT' | 'ELOCKED' | 'EFULL' | 'ERANGE' | 'EIO';

export class HistoryError extends Error {
  readonly code: HistoryErrorCode;
  /** The file or directory concerned. */
  readonly path: string;

  constructor(code: HistoryErrorCode, path: string, detail: string, cause?: unknown) {
    super(`${code} ${path}: ${detail}`, cause === undefined ? undefined : { cause });
    this.name = 'HistoryError';
    this.code = code;
    this.path = path;
  }
}

/** ENOSPC (no space) and EDQUOT (quota): the disk is full for us. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** An I/O failure as a HistoryError: EFULL when the disk is full, else EIO. */
export function ioError(path: string, what: string, err: unknown): HistoryError {
  if (err instanceof HistoryError) return err;
  const code = isDiskFull(err) ? 'EFULL' : 'EIO';
  return new HistoryError(code, path, `${what}: ${(err as Error).message}`, err);
}
