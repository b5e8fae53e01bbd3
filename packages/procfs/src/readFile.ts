import { closeSync, openSync, readlinkSync, readSync } from 'node:fs';
import { isVanished, ProcfsError } from './errors.js';

/*
 * Proc files report size 0, so readFileSync takes a slow chunked path and fs.promises pays a
 * thread-pool round trip per file. One synchronous open/read/close into a reused buffer is the
 * cheapest way Node has to read them (see the package README for numbers).
 */
let shared = Buffer.allocUnsafe(64 * 1024);

/**
 * Reads a whole pseudo-file into the shared buffer and returns the byte length, or -1 when the
 * file (process) has vanished. The bytes are valid only until the next call.
 */
export function readIntoShared(path: string): number {
  const fd = openOrNull(path);
  if (fd === null) return -1;
  try {
    return readFdIntoShared(fd, path);
  } finally {
    closeSync(fd);
  }
}

/** Opens a proc file for reading; null when it has vanished. */
export function openOrNull(path: string): number | null {
  try {
    return openSync(path, 'r');
  } catch (err) {
    if (isVanished(err)) return null;
    throw new ProcfsError('EIO', path, (err as Error).message, undefined, err);
  }
}

/**
 * Reads the whole content of an open proc file from offset 0 (pread) into the shared buffer:
 * the length, or -1 when its process has exited (ESRCH). Reading at offset 0 makes seq_file
 * regenerate the text, so a held descriptor serves every later scan.
 *
 * A proc file's text is generated whole on the first read: a read that does not fill the buffer
 * has returned everything, which saves the extra read(2) that would only confirm EOF.
 */
export function readFdIntoShared(fd: number, path: string): number {
  try {
    let length = readSync(fd, shared, 0, shared.length, 0);
    while (length === shared.length) {
      const bigger = Buffer.allocUnsafe(shared.length * 2);
      shared.copy(bigger, 0, 0, length);
      shared = bigger;
      const n = readSync(fd, shared, length, shared.length - length, length);
      if (n === 0) break;
      length += n;
    }
    return length;
  } catch (err) {
    if (isVanished(err)) return -1;
    throw new ProcfsError('EIO', path, (err as Error).message, undefined, err);
  }
}

/** The buffer `readIntoShared` filled. */
export function sharedBuffer(): Buffer {
  return shared;
}

/** Reads a whole pseudo-file as UTF-8 text, or null when it (its process) has vanished. */
export function readText(path: string): string | null {
  const n = readIntoShared(path);
  return n < 0 ? null : shared.toString('utf8', 0, n);
}

/** Reads a symlink such as /proc/<pid>/ns/pid, or null when it has vanished. */
export function readLink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch (err) {
    if (isVanished(err)) return null;
    throw new ProcfsError('EIO', path, (err as Error).message, undefined, err);
  }
}
