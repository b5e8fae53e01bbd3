/**
 * Errors raised by the /proc reader and the kernel's other sources. A process that vanishes
 * mid-read is not an error (readers return null); a file whose text does not parse is a bug and
 * says which file and what it held. EUNAVAILABLE: a source this host or this process cannot use
 * (no capability, another namespace, a kernel without it); callers fall back and show the reason.
 */
export type ProcfsErrorCode = 'EPARSE' | 'EIO' | 'EUNAVAILABLE';

export class ProcfsError extends Error {
  readonly code: ProcfsErrorCode;
  readonly file: string;
  readonly text?: string;

  constructor(code: ProcfsErrorCode, file: string, detail: string, text?: string, cause?: unknown) {
    const shown = text === undefined ? '' : `: ${JSON.stringify(clip(text))}`;
    super(`${code} ${file}: ${detail}${shown}`, cause === undefined ? undefined : { cause });
    this.name = 'ProcfsError';
    this.code = code;
    this.file = file;
    if (text !== undefined) this.text = text;
  }
}

/** Shorthand for a parse failure of `file` whose content was `text`. */
export function parseError(file: string, detail: string, text: string): ProcfsError {
  return new ProcfsError('EPARSE', file, detail, text);
}

function clip(text: string): string {
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

/**
 * ENOENT: the /proc entry is gone (open after exit). ESRCH: the process exited between open and
 * read. Both mean "vanished", never an error.
 */
export function isVanished(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/** EACCES/EPERM: readable only with more privilege (hidepid mounts, some files of PID 1). */
export function isRestricted(err: unknown): boolean {
  const cause = err instanceof ProcfsError ? err.cause : err;
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  return code === 'EACCES' || code === 'EPERM';
}
