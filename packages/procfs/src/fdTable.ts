import { closeSync, openSync } from 'node:fs';
import { libc } from './libc.js';
import { parsePidStatus } from './pidStatus.js';
import { readText } from './readFile.js';

/*
 * The kernel grows a process's descriptor table by doubling it when a descriptor needs a slot past
 * its end, and a table shared by several threads (any Node process) waits for an RCU grace period
 * at each growth (fs/file.c, expand_fdtable). A first scan that keeps the stat of 3,000 processes
 * open grew it six times, from 256 slots to 4,096: about a quarter of that scan's wall time, spent
 * waiting. One growth to the size needed waits once.
 */

/**
 * The most slots a call asked for so far, and the table's size as the last call found it (a lower
 * bound now: the table never shrinks). A growth that did not take (no FFI, past the open-file
 * limit) would not take the next time either: a call for no more than either looks at nothing,
 * which keeps a walk that calls it every second free of reads of its own.
 */
let asked = 0;
let known: number | null = null;

/** Slots in this process's descriptor table now (`FDSize` of /proc/self/status); null if unknown. */
export function descriptorTableSize(): number | null {
  const text = readText('/proc/self/status');
  return text === null ? null : parsePidStatus(text, '/proc/self/status').fdSize;
}

/**
 * Grows this process's descriptor table to at least `slots` in one step, before descriptors are
 * opened one by one (see above). Returns the table's size after (as the last call found it, when
 * that call settled it), or null when it is unknown. The table stays as it was where it cannot be
 * grown this way (no FFI, `slots` past the open-file limit): that costs only the waits it would
 * have saved.
 */
export function reserveDescriptors(slots: number): number | null {
  if (slots <= Math.max(asked, known ?? 0)) return known;
  asked = slots;
  known = descriptorTableSize();
  const lib = libc();
  if (known === null || known >= slots || lib === null) return known;
  const fd = openSync('/dev/null', 'r');
  try {
    const copy = lib.dupAtLeast(fd, slots - 1);
    if (copy.value >= 0) lib.close(copy.value);
  } finally {
    closeSync(fd);
  }
  known = descriptorTableSize();
  return known;
}
