import { closeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { cpuPercent } from './cpu.js';
import { reserveDescriptors } from './fdTable.js';
import { countProcesses, type ProcessCounts } from './headroom.js';
import { systemPageSize } from './pageSize.js';
import { parsePidLimits } from './pidLimits.js';
import { type PidStat, parsePidStatBytes } from './pidStat.js';
import { listProcEntries, toPid } from './procDir.js';
import { composeRecord, newScanContext, readProcessDetails, recordComm } from './processes.js';
import type { ProcessRecord } from './processRecord.js';
import { openOrNull, readFdIntoShared, readText, sharedBuffer } from './readFile.js';

export interface ScanResult {
  /** Thread-group leaders in readdir order; zombies and kernel threads included. */
  processes: ProcessRecord[];
  /**
   * The records of `processes` that are new or changed since this scanner's previous scan (all
   * of them on its first), in the same order. An unchanged process keeps its record object and is
   * not listed.
   */
  changed: ProcessRecord[];
  /** The processes of the previous scan that are gone: exited, or their PID now holds another. */
  removed: ProcessIdentity[];
  /** When the scan started, ms since the epoch. */
  at: number;
  durationMs: number;
  /** Processes listed by readdir that exited before they could be read (not an error). */
  vanished: number;
}

export interface ProcScannerOptions {
  /** Mount point of the host's procfs: `/proc`, or `/host/proc` for an agent in a container. */
  root?: string;
  /** Bytes per page for rssBytes; defaults to the running kernel's. */
  pageSize?: number;
  /**
   * How many /proc/<pid>/stat descriptors to keep open between scans (default 8192; 0 = none),
   * never more than half this process's open-file soft limit. A held descriptor turns a
   * rescan's open+read+close into one pread; processes beyond the budget are read by path.
   */
  keepOpen?: number;
  /**
   * Whether a process's CPU figure `now` replaces the one its record holds (`shown`); default:
   * any change. The agent passes its deadband, so CPU jitter is not a change of the record.
   */
  cpuNews?: (shown: number, now: number) => boolean;
  /** The clock CPU rates are timed with, in ms (performance.now; tests pass their own). */
  clock?: () => number;
  /**
   * Resident memory moves all the time by a few pages: a change smaller than `fraction` of it
   * or than `bytes` is not news, and the record keeps the size it had (default: every change
   * counts). A record that changes for another reason takes the exact size.
   */
  rssDeadband?: { fraction: number; bytes: number };
}
const anyChange = (shown: number, now: number) => shown !== now;

/** What `update()` found: the changes only (the scanner keeps the whole table). */
export type UpdateResult = Omit<ScanResult, 'processes'>;

const NONE: ReadonlySet<number> = new Set();

/**
 * Two reads closer together than this that show no tick used do not make a process idle: at
 * USER_HZ 100, a process using a few percent of a CPU often shows none over a few dozen ms. A new
 * process is read at its fork and again at its exec, events a moment apart. Before this rule, a
 * fork storm's reaper, read twice before it began to reap, counted as idle at once and was no
 * longer read. The time of the children it reaped then went unexplained, and every CPU pass read
 * a slice of the idle processes looking for whoever had used it: 300 reads a second among 3,000
 * sleepers.
 */
const IDLE_EVIDENCE_MS = 1000;

/** Descriptors counted on besides those a scanner keeps: sockets, files, another scanner's. */
const DESCRIPTORS_BESIDES = 256;

/**
 * What the scanner keeps of a known process between reads besides its record. Each read changes
 * it in place: a new object per process per read outlived the young generation (it is kept until
 * the next read) and left the old one full of garbage for major GCs to sweep.
 */
interface Tracked {
  /** The process this is about: a PID reused by another starts afresh. */
  startTime: number;
  /** utime + stime at the last read, and when that was (the scanner's clock): a rate needs both. */
  ticks: number;
  /** cutime + cstime at the last read: what the children it reaped had used (see #track). */
  reaped: number;
  at: number;
  /** stat's start_code, to notice an exec that keeps the command name (see startCodeToKeep). */
  startCode: number;
  /** The last listing of the root that showed it (see reconcile). */
  listed: number;
}

/** Descriptors held by a scanner, closed by close() or, as a safety net, when it is collected. */
interface HeldFiles {
  fds: Map<number, number>;
}

const closeAll = (held: HeldFiles) => {
  for (const fd of held.fds.values()) closeSync(fd);
  held.fds.clear();
};
const unreleased = new FinalizationRegistry<HeldFiles>(closeAll);

/**
 * Walks `<root>/<pid>/` for every process.
 *
 * The first `scan()` (and every `fullScan()`) reads stat, status, cmdline, cgroup and (outside
 * the procfs's own PID namespace) ns/pid of each process. Later `scan()` calls re-read only stat
 * for a process already known by (pid, startTime): it holds everything a record shows that
 * changes during a process's life (state, ppid, threads, rss, comm). After an exec (comm or the
 * start of the program text changed), status, cmdline, cgroup and ns are read again, since exec
 * is where runc and friends have just switched namespaces and cgroups.
 *
 * Records are immutable: an unchanged process keeps the very same object from scan to scan, so
 * `prev === next` is a valid "nothing changed" test.
 */
export class ProcScanner {
  readonly root: string;
  readonly #pageSize: number;
  readonly #keepOpen: number;
  readonly #deadband: { fraction: number; bytes: number } | null;
  readonly #held: HeldFiles = { fds: new Map() };
  readonly #ctx = newScanContext();
  #known = new Map<number, ProcessRecord>();
  /** Of each known process, what its next read is compared with. */
  readonly #tracked = new Map<number, Tracked>();
  /**
   * The PIDs of the known processes that used CPU (or reaped a child that did) between their last
   * two reads, were last read running, or were read once only: what refreshActive reads, found without a look at every
   * process (a few dozen of 3,000 on a quiet host, every other second).
   */
  readonly #active = new Set<number>();
  /** What countProcesses says of the known processes, kept as they change: see counts. */
  #counts: ProcessCounts = { processes: 0, zombies: 0, kernelThreads: 0 };
  readonly #cpuNews: (shown: number, now: number) => boolean;
  readonly #clock: () => number;
  /** PIDs of the known processes by parent PID, for `childrenOf`. */
  #children = new Map<number, Set<number>>();
  #scanned = false;
  /** See takeUsedTicks. */
  #usedTicks = 0;
  /** Listings of the root by reconcile so far, and when the last walk or reconcile began. */
  #listings = 0;
  #listedAt = Number.NEGATIVE_INFINITY;

  constructor(opts: ProcScannerOptions = {}) {
    this.root = opts.root ?? '/proc';
    this.#pageSize = opts.pageSize ?? systemPageSize();
    this.#cpuNews = opts.cpuNews ?? anyChange;
    this.#clock = opts.clock ?? (() => performance.now());
    this.#keepOpen = keepOpenBudget(opts.keepOpen);
    this.#deadband = opts.rssDeadband ?? null;
    unreleased.register(this, this.#held, this);
  }

  /**
   * Grows this process's descriptor table for what a scanner of `root` (with `keepOpen`) keeps
   * open after its first walk, as that walk would. The table is the process's: a thread that
   * does it while the scanning one starts takes its wait (an RCU grace period, see
   * reserveDescriptors) off the first walk's path.
   */
  static reserveDescriptors(root = '/proc', keepOpen?: number): void {
    reserveFor(keepOpenBudget(keepOpen), listProcEntries(root).length);
  }

  /** Closes the descriptors held between scans. The scanner stays usable. */
  close(): void {
    closeAll(this.#held);
  }

  /** The first call is a full scan, later calls are incremental. */
  scan(): ScanResult {
    return this.#run(this.#scanned);
  }

  /** Forgets what is known and reads every file of every process again. */
  fullScan(): ScanResult {
    return this.#run(false);
  }

  /** Every process known since the last scan or update. */
  records(): IterableIterator<ProcessRecord> {
    return this.#known.values();
  }

  /** The known processes, zombies and kernel threads, counted as they change (no walk of them). */
  counts(): ProcessCounts {
    return { ...this.#counts };
  }

  #count(r: ProcessRecord, by: 1 | -1): void {
    const c = this.#counts;
    c.processes += by;
    if (r.state === 'Z') c.zombies += by;
    if (r.kernelThread) c.kernelThreads += by;
  }

  /** The known process with PID `pid`. */
  record(pid: number): ProcessRecord | undefined {
    return this.#known.get(pid);
  }

  /** The PIDs of the known processes whose parent is `pid`. */
  childrenOf(pid: number): number[] {
    const set = this.#children.get(pid);
    return set ? [...set] : [];
  }

  /**
   * Reads again only the processes `pids` (host PIDs of thread-group leaders), the way a scan
   * reads a process, and says what changed: for a source that tells which processes to look at
   * (the proc connector). `execed` are those whose program changed: their status, cmdline, cgroup
   * and ns are read again too. A PID that is gone is removed; one that holds another process now
   * (another start time) removes the old one and reads the new. A PID of a thread that is not its
   * group's leader is skipped, as a scan never lists one. Every other process keeps its record.
   */
  update(pids: Iterable<number>, execed: ReadonlySet<number> = NONE): UpdateResult {
    const at = Date.now();
    const t0 = performance.now();
    const changed: ProcessRecord[] = [];
    const removed: ProcessIdentity[] = [];
    let vanished = 0;
    const held = this.#held.fds;
    const forget = (prev: ProcessRecord) => {
      this.#known.delete(prev.pid);
      this.#tracked.delete(prev.pid);
      this.#active.delete(prev.pid);
      this.#count(prev, -1);
      this.#unlink(prev);
      removed.push({ pid: prev.pid, startTime: prev.startTime });
    };
    for (const pid of pids) {
      const file = `${this.root}/${pid}/stat`;
      let prev = this.#known.get(pid);
      const n = this.#readStat(pid, file, held, held);
      if (n < 0) {
        if (prev) forget(prev);
        else vanished++;
        continue;
      }
      const stat = parsePidStatBytes(sharedBuffer(), n, file);
      if (prev && prev.startTime !== stat.startTime) {
        forget(prev);
        prev = undefined;
      }
      const tracked = this.#tracked.get(pid);
      const readAt = this.#clock();
      const cpuNow = this.#cpuOf(stat, readAt, tracked, prev);
      const codeBefore = tracked?.startCode;
      let record: ProcessRecord | null;
      if (prev !== undefined && !execed.has(pid) && sameProgram(prev, stat, codeBefore)) {
        record = this.#updated(prev, stat, cpuNow);
      } else {
        const details = readProcessDetails(pid, this.root, stat.kernelThread, this.#ctx);
        if (details !== null && details.status.tgid !== pid) {
          // A thread's /proc/<tid> is readable, but a thread is no process of its own.
          const fd = held.get(pid);
          if (fd !== undefined && !prev) {
            held.delete(pid);
            closeSync(fd);
          }
          continue;
        }
        record = details === null ? null : composeRecord(stat, details, this.#pageSize, cpuNow);
      }
      if (record === null) {
        if (prev) forget(prev);
        else vanished++;
        continue;
      }
      record = completeOne(record, this.#known, this.#ctx.rootNs);
      this.#track(pid, tracked, stat, readAt);
      if (record === prev) continue;
      if (prev) {
        this.#unlink(prev);
        this.#count(prev, -1);
      }
      this.#count(record, 1);
      this.#known.set(pid, record);
      this.#link(record);
      changed.push(record);
    }
    return { changed, removed, at, durationMs: performance.now() - t0, vanished };
  }

  #link(r: ProcessRecord): void {
    const set = this.#children.get(r.ppid);
    if (set) set.add(r.pid);
    else this.#children.set(r.ppid, new Set([r.pid]));
  }

  #unlink(r: ProcessRecord): void {
    const set = this.#children.get(r.ppid);
    if (!set) return;
    set.delete(r.pid);
    if (set.size === 0) this.#children.delete(r.ppid);
  }

  /** Applies a fresh stat to a known record; returns `prev` itself when nothing visible changed. */
  #updated(prev: ProcessRecord, stat: PidStat, cpu: number): ProcessRecord {
    const exact = stat.rss * this.#pageSize;
    const others =
      prev.ppid !== stat.ppid ||
      prev.state !== stat.state ||
      prev.threads !== stat.numThreads ||
      prev.cpu !== cpu;
    const rssBytes = others || this.#isNews(prev.rssBytes, exact) ? exact : prev.rssBytes;
    if (!others && rssBytes === prev.rssBytes) return prev;
    return {
      ...prev,
      ppid: stat.ppid,
      state: stat.state,
      threads: stat.numThreads,
      rssBytes,
      cpu,
      // The kernel empties a zombie's argv; keep the record the same as a full scan would read it.
      cmdline: stat.state === 'Z' ? [] : prev.cmdline,
    };
  }

  /**
   * The CPU figure a record read from `stat` at `at` holds: the rate since the last read (0 on the
   * first, or for another process on that PID), or the one `prev` shows while the change is no news.
   */
  #cpuOf(
    stat: PidStat,
    at: number,
    last: Tracked | undefined,
    prev: ProcessRecord | undefined,
  ): number {
    const used =
      last?.startTime === stat.startTime
        ? cpuPercent(last, { ticks: stat.utime + stat.stime, at })
        : 0;
    const shown = prev?.startTime === stat.startTime ? prev.cpu : 0;
    return this.#cpuNews(shown, used) ? used : shown;
  }

  /**
   * Records the read of `stat` at `at` in what is tracked of `pid` (`last`, changed in place).
   * What it used since its last read counts its own ticks and those of the children it reaped
   * meanwhile: a process that lived between two reads of the host's CPU time, unseen, left them in
   * its reaper's account, and explains them there (a child read while alive counts twice: the host
   * then seems to have used less than the processes read, which asks no look at idle ones).
   */
  #track(pid: number, last: Tracked | undefined, stat: PidStat, at: number): void {
    const ticks = stat.utime + stat.stime;
    const reaped = stat.cutime + stat.cstime;
    const same = last !== undefined && last.startTime === stat.startTime;
    this.#usedTicks += same ? ticks - last.ticks + (reaped - last.reaped) : ticks + reaped;
    if (last === undefined) {
      const startCode = stat.startCode;
      this.#tracked.set(pid, {
        startTime: stat.startTime,
        ticks,
        reaped,
        at,
        startCode,
        listed: 0,
      });
      this.#active.add(pid);
      return;
    }
    // A reaper that waits is read on every pass too: what its children used is explained then.
    // So is a process read while running, that used no tick yet: it is shown running until read
    // again, and going to sleep leaves no tick to notice. And one whose last two reads were too
    // close together to show a tick (see IDLE_EVIDENCE_MS).
    if (
      !same ||
      ticks !== last.ticks ||
      reaped !== last.reaped ||
      stat.state === 'R' ||
      at - last.at < IDLE_EVIDENCE_MS
    )
      this.#active.add(pid);
    else this.#active.delete(pid);
    last.startCode = startCodeToKeep(same ? last.startCode : undefined, stat.startCode);
    last.startTime = stat.startTime;
    last.ticks = ticks;
    last.reaped = reaped;
    last.at = at;
  }

  /**
   * Re-reads the stat of known processes, so CPU figures stay current between scans when a source
   * names only the processes that forked, exec-ed or exited: `update` of them (a stat read each;
   * status and the rest only for what changed program). Sends only news.
   *
   * Read are the processes that used CPU between their last two reads (or were last read running,
   * or read once only), and of the others those whose PID is `slice` modulo `slices`, and `also`:
   * a caller that passes each slice in turn reads a process that stays idle once every `slices`
   * calls, and one that uses CPU on every call from the first that sees it do so. On a host of
   * sleepers a call costs about 1/`slices` of reading everything.
   */
  refreshCpu(
    slice = 0,
    slices = 1,
    also: ReadonlySet<number> = NONE,
  ): UpdateResult & { read: number } {
    return this.#refresh(also, (pid) => this.#active.has(pid) || pid % slices === slice);
  }

  /** refreshCpu without the idle processes: those #active holds, and `also`. */
  refreshActive(also: ReadonlySet<number> = NONE): UpdateResult & { read: number } {
    const pids: number[] = [];
    for (const pid of this.#active) if (this.#known.has(pid) && !also.has(pid)) pids.push(pid);
    for (const pid of also) pids.push(pid);
    return { ...this.update(pids), read: pids.length };
  }

  /** refreshCpu's idle processes only: those that used no CPU between their last reads, of `slice`. */
  refreshIdle(slice: number, slices: number): UpdateResult & { read: number } {
    return this.#refresh(NONE, (pid) => !this.#active.has(pid) && pid % slices === slice);
  }

  /** Reads the known processes `pick` takes or `also` holds, and the PIDs of `also` not known yet. */
  #refresh(
    also: ReadonlySet<number>,
    pick: (pid: number) => boolean,
  ): UpdateResult & { read: number } {
    const pids: number[] = [];
    for (const pid of this.#known.keys()) if (also.has(pid) || pick(pid)) pids.push(pid);
    for (const pid of also) if (!this.#known.has(pid)) pids.push(pid);
    return { ...this.update(pids), read: pids.length };
  }

  /**
   * The CPU ticks (utime + stime, and cutime + cstime: see #track) the processes read since the
   * last call used between their reads, all of them for one read for the first time, and zeroes
   * the count. Compared with the host's busy time over the same span (/proc/stat), it tells
   * whether processes not read meanwhile (idle ones) used CPU: a host whose time is all accounted
   * for needs no look at them.
   */
  takeUsedTicks(): number {
    const used = this.#usedTicks;
    this.#usedTicks = 0;
    return used;
  }

  /**
   * A walk for a source that keeps the table current by itself (kernel events, and a CPU pass
   * that reads every known process now and then): lists the root and reads, as update() does,
   * only what may be out of date: a PID not known, a known process no longer listed (it is
   * removed), and a process not read since the last walk or reconcile began, or, with
   * `maxAgeMs`, not read for that long (the bound the caller's CPU pass keeps to). After it, every
   * process is known and has been read within that bound.
   */
  reconcile(maxAgeMs?: number): UpdateResult {
    const at = Date.now();
    const t0 = performance.now();
    const now = this.#clock();
    const since = maxAgeMs === undefined ? this.#listedAt : now - maxAgeMs;
    this.#listedAt = now;
    const listing = ++this.#listings;
    const pids: number[] = [];
    for (const name of listProcEntries(this.root)) {
      const pid = toPid(name);
      if (pid < 0) continue;
      const tracked = this.#known.has(pid) ? this.#tracked.get(pid) : undefined;
      if (tracked === undefined) {
        pids.push(pid);
        continue;
      }
      tracked.listed = listing;
      if (tracked.at < since) pids.push(pid);
    }
    for (const [pid, tracked] of this.#tracked) if (tracked.listed !== listing) pids.push(pid);
    const r = this.update(pids);
    return { ...r, at, durationMs: performance.now() - t0 };
  }

  #isNews(before: number, now: number): boolean {
    if (before === now) return false;
    const band = this.#deadband;
    if (band === null) return true;
    const delta = Math.abs(now - before);
    return delta >= band.bytes && delta >= band.fraction * before;
  }

  #run(incremental: boolean): ScanResult {
    const at = Date.now();
    const t0 = performance.now();
    this.#listedAt = this.#clock();
    const known = incremental ? this.#known : new Map<number, ProcessRecord>();
    const next = new Map<number, ProcessRecord>();
    const processes: ProcessRecord[] = [];
    let vanished = 0;
    const root = this.root;
    const heldBefore = this.#held.fds;
    const held = new Map<number, number>();
    this.#held.fds = held;

    const names = listProcEntries(root);
    reserveFor(this.#keepOpen, names.length);
    try {
      for (const name of names) {
        const pid = toPid(name);
        if (pid < 0) continue;
        const file = `${root}/${name}/stat`;
        const n = this.#readStat(pid, file, heldBefore, held);
        if (n < 0) {
          vanished++;
          continue;
        }
        const stat = parsePidStatBytes(sharedBuffer(), n, file);
        const prev = known.get(pid);
        const tracked = this.#tracked.get(pid);
        const readAt = this.#clock();
        const cpuNow = this.#cpuOf(stat, readAt, tracked, prev);
        const codeBefore = tracked?.startCode;
        let record: ProcessRecord | null;
        if (prev !== undefined && sameProgram(prev, stat, codeBefore)) {
          record = this.#updated(prev, stat, cpuNow);
        } else {
          const details = readProcessDetails(pid, root, stat.kernelThread, this.#ctx);
          record = details === null ? null : composeRecord(stat, details, this.#pageSize, cpuNow);
        }
        if (record === null) {
          vanished++;
          continue;
        }
        next.set(pid, record);
        this.#track(pid, tracked, stat, readAt);
        processes.push(record);
      }
    } finally {
      // Whatever is left belongs to processes no longer listed (or not reached after an error).
      for (const fd of heldBefore.values()) closeSync(fd);
    }

    completeFromNamespaces(processes, next, this.#ctx.rootNs);
    const { changed, removed } = recordChanges(this.#known, next);
    this.#known = next;
    this.#counts = countProcesses(processes);
    for (const pid of this.#tracked.keys()) {
      if (next.has(pid)) continue;
      this.#tracked.delete(pid);
      this.#active.delete(pid);
    }
    this.#children = new Map();
    for (const r of processes) this.#link(r);
    this.#scanned = true;
    return { processes, changed, removed, at, durationMs: performance.now() - t0, vanished };
  }

  /**
   * Reads /proc/<pid>/stat into the shared buffer: through the descriptor held since an earlier
   * scan when there is one, else by path. A held descriptor pins the task it was opened on: if
   * that process exited, the read fails with ESRCH even when its PID was reused, and the path
   * is tried again for the new process.
   */
  #readStat(
    pid: number,
    file: string,
    before: Map<number, number>,
    after: Map<number, number>,
  ): number {
    const old = before.get(pid);
    if (old !== undefined) {
      before.delete(pid);
      const n = readFdIntoShared(old, file);
      if (n >= 0) {
        after.set(pid, old);
        return n;
      }
      closeSync(old);
    }
    const fd = openOrNull(file);
    if (fd === null) return -1;
    let n = -1;
    try {
      n = readFdIntoShared(fd, file);
    } finally {
      if (n >= 0 && after.size < this.#keepOpen) after.set(pid, fd);
      else closeSync(fd);
    }
    return n;
  }
}

/** What tells one process from every other: PIDs are reused, start times tell them apart. */
export type ProcessIdentity = Pick<ProcessRecord, 'pid' | 'startTime'>;

export interface RecordChanges {
  changed: ProcessRecord[];
  removed: ProcessIdentity[];
}

/**
 * What changed from one scan to the next, both given by PID: the records of `next` that are not
 * the very object `previous` holds for their PID (new processes, and changed ones, since records
 * are immutable), in `next`'s order; and the identities of `previous` that `next` no longer holds.
 */
export function recordChanges(
  previous: ReadonlyMap<number, ProcessRecord>,
  next: ReadonlyMap<number, ProcessRecord>,
): RecordChanges {
  const changed: ProcessRecord[] = [];
  for (const r of next.values()) if (previous.get(r.pid) !== r) changed.push(r);
  const removed: ProcessIdentity[] = [];
  for (const r of previous.values()) {
    if (next.get(r.pid)?.startTime !== r.startTime) {
      removed.push({ pid: r.pid, startTime: r.startTime });
    }
  }
  return { changed, removed };
}

/** The stat descriptors a scanner keeps at most: as asked (8192 by default), half the limit at most. */
function keepOpenBudget(asked = 8192): number {
  return Math.min(asked, Math.floor(openFileLimit() / 2));
}

/** Room in the descriptor table for a walk of `entries` that keeps up to `keepOpen`, and the rest. */
function reserveFor(keepOpen: number, entries: number): void {
  if (keepOpen > 0) reserveDescriptors(Math.min(keepOpen, entries) + DESCRIPTORS_BESIDES);
}

/** RLIMIT_NOFILE soft limit of this process (Infinity when unlimited or unknown). */
function openFileLimit(): number {
  try {
    const text = readText('/proc/self/limits');
    const limit = parsePidLimits(text ?? '').find((l) => l.name === 'Max open files');
    return limit?.soft ?? Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * An exec that keeps the command name (`sh` exec'ing `sh`) still maps a new program: its text
 * starts elsewhere. A process first read mid-exec shows 0 (no image yet) and gets its real value
 * later: that counts too, since its argv may have been read before it was set up. A zombie going
 * to 0, or 1 (hidden from this reader), tells nothing.
 */
function execedSince(before: number | undefined, now: number): boolean {
  return before !== undefined && before !== 1 && now > 1 && before !== now;
}

/**
 * Whether `prev` still describes the process whose `stat` was just read: the same start, the same
 * command name and no exec since `codeBefore` (its start_code then), so only stat fields can
 * have changed and nothing else needs reading.
 */
function sameProgram(prev: ProcessRecord, stat: PidStat, codeBefore: number | undefined): boolean {
  return (
    prev.startTime === stat.startTime &&
    prev.comm === recordComm(stat) &&
    !execedSince(codeBefore, stat.startCode)
  );
}

/**
 * The start_code to remember for the next read. Mid-exec the new image has none yet (0): the last
 * real one stays, so the next read still sees the change (and re-reads a cmdline read before argv
 * was set up).
 */
function startCodeToKeep(before: number | undefined, now: number): number {
  return now <= 1 && before !== undefined ? before : now;
}

/**
 * Completes records from what the whole scan knows about PID namespaces:
 * - a zombie whose cgroup v1 lines read `/` and that has no `0::` path cannot be attributed from
 *   its cgroup file, but its PID namespace can: it gets the container that the other processes
 *   of the same (non-root) namespace belong to;
 * - a process whose ns/pid link was unreadable (PID 1 under some inits, even for root) but whose
 *   NSpid has one level is in the procfs's own namespace, learnt from another process.
 */
function completeFromNamespaces(
  processes: ProcessRecord[],
  byPid: Map<number, ProcessRecord>,
  rootNs: number | null,
): void {
  const hostNs =
    rootNs ?? processes.find((p) => p.kernelThread)?.pidNs ?? byPid.get(1)?.pidNs ?? null;
  const owners = new Map<number, ProcessRecord>();
  let incomplete = false;
  for (const p of processes) {
    if (p.pidNs === null) {
      if (rootNs !== null && p.nsPids.length === 1) incomplete = true;
    } else if (p.pidNs !== hostNs) {
      if (p.containerId === null) incomplete = true;
      else if (!owners.has(p.pidNs)) owners.set(p.pidNs, p);
    }
  }
  if (!incomplete) return;
  for (let i = 0; i < processes.length; i++) {
    const p = processes[i] as ProcessRecord;
    let completed = p;
    if (p.pidNs === null) {
      if (rootNs !== null && p.nsPids.length === 1) completed = { ...p, pidNs: rootNs };
    } else if (p.pidNs !== hostNs && p.containerId === null) {
      const owner = owners.get(p.pidNs);
      if (owner) completed = { ...p, containerId: owner.containerId, runtime: owner.runtime };
    }
    if (completed !== p) {
      processes[i] = completed;
      byPid.set(p.pid, completed);
    }
  }
}

/**
 * `completeFromNamespaces` for one record read on its own: a zombie of a container whose cgroup
 * lines read `/` gets the container of another process in its PID namespace; a process whose
 * ns/pid link was unreadable but whose NSpid has one level is in the procfs's own namespace.
 * Returns `r` itself when there is nothing to complete.
 */
function completeOne(
  r: ProcessRecord,
  known: ReadonlyMap<number, ProcessRecord>,
  rootNs: number | null,
): ProcessRecord {
  if (r.pidNs === null) {
    return rootNs !== null && r.nsPids.length === 1 ? { ...r, pidNs: rootNs } : r;
  }
  if (r.containerId !== null || r.nsPids.length === 1) return r;
  for (const p of known.values()) {
    if (p.pidNs === r.pidNs && p.containerId !== null) {
      return { ...r, containerId: p.containerId, runtime: p.runtime };
    }
  }
  return r;
}
