import type {
  CgroupReader,
  HostHeadroom,
  PidsCgroup,
  ProcessCounts,
  ProcessIdentity,
  ProcessRecord,
  ProcScanner,
} from '@pidscope/procfs';
import { countProcesses, readStat } from '@pidscope/procfs';
import { processKey } from '@pidscope/protocol';
import { samePids } from '../model/containers.js';
import type { Sample, SampleCause } from './messages.js';
import type { Touched } from './touched.js';

/** Host headroom, over the counts of the known processes. */
type Headroom = (root: string, counts: ProcessCounts) => HostHeadroom;
type Cgroups = Pick<CgroupReader, 'readPids'>;

/**
 * One tick's reading: a process scan, host headroom, and the pids cgroup of every container seen.
 * A container's cgroup is read through one of its live processes: a zombie's v1 cgroup lines read `/`.
 * `full`: send every process rather than the scan's changes (see Sample.full).
 */
export function sample(
  scanner: Pick<ProcScanner, 'scan'>,
  cgroups: Cgroups,
  procRoot: string,
  headroom: Headroom,
  full: boolean,
): Sample {
  const scan = scanner.scan();
  const host = headroom(procRoot, countProcesses(scan.processes));
  return {
    changed: full ? scan.processes : scan.changed,
    removed: full ? [] : scan.removed.map(processKey),
    full,
    cause: 'scan',
    at: scan.at,
    durationMs: scan.durationMs,
    vanished: scan.vanished,
    host,
    cgroups: readCgroups(scan.processes, cgroups),
  };
}

/**
 * The pids cgroup of each container that has a process (of those in `only`, when given), read
 * through a live process of it: null when it has only zombies, or the cgroup is unreadable.
 */
function readCgroups(
  processes: Iterable<ProcessRecord>,
  cgroups: Cgroups,
  only?: ReadonlySet<string>,
): Record<string, PidsCgroup | null> {
  const through = new Map<string, ProcessRecord | null>();
  for (const p of processes) {
    const id = p.containerId;
    if (!id || (only && !only.has(id))) continue;
    if (!through.get(id) && p.state !== 'Z') through.set(id, p);
    else if (!through.has(id)) through.set(id, null);
  }
  const out: Record<string, PidsCgroup | null> = {};
  for (const [id, p] of through) {
    let value = null;
    if (p) {
      try {
        value = cgroups.readPids(p);
      } catch {
        value = null;
      }
    }
    out[id] = value;
  }
  return out;
}

/**
 * How often the event source re-reads the stat of the processes that use CPU, for their figure
 * ([S7]): no event says a process got busy or idle. Only figures past the deadband become changes.
 */
export const CPU_REFRESH_MS = 2000;

/**
 * A process that used no CPU between its last two reads (an idle one) is read on one pass in
 * CPU_IDLE_SLICES (by PID), so every 10 s, while the host's CPU time is not all accounted for by
 * the processes read (see unexplainedBound): one of them may have started to use CPU with no event
 * to say so. It then shows within that bound, and is read on every pass from then on until it goes
 * idle. A new process is read on the next pass.
 */
export const CPU_IDLE_SLICES = 5;

/**
 * While the host's CPU time is all accounted for, a slice of the idle processes is read on one
 * pass in this many, so each of them every minute at least (its state, memory, threads: what no
 * event tells and a safety rescan would otherwise read). Reading a slice of 3,000 sleepers every
 * pass was more than half of what the agent spent on a quiet host.
 */
export const CPU_IDLE_QUIET_EVERY = 6;

/** The longest a known process goes without a read: what the safety rescan reads beyond that. */
export const READ_AT_LEAST_EVERY_MS = CPU_REFRESH_MS * CPU_IDLE_SLICES * CPU_IDLE_QUIET_EVERY;

/**
 * Ticks of the host's busy CPU time (/proc/stat) over one pass that the processes read need not
 * explain: its ticks are sampled by the timer interrupt and each process's are rounded down, and
 * a process that exited unseen takes its time with it. 4 ticks, plus the square root of the
 * processes read (each one's count is off by less than a tick, either way) and 2% of the time
 * they explain. Measured on a quiet host of 3,000 processes: within 3 ticks over 2 s; a process
 * that starts to spin on one CPU adds 200.
 */
export function unexplainedBound(read: number, explained: number): number {
  return 4 + Math.sqrt(read) + 0.02 * explained;
}

/** The share of a limit in use from which the watch never slows down (see Sampling.calm). */
const NEAR_LIMIT = 0.9;

const NOTHING: ReadonlySet<number> = new Set();

/** How long a zombie counts as young, and how often young ones are looked at. */
const YOUNG_ZOMBIE_MS = 2000;

/**
 * Looks for settling (the event source's, YOUNG_WATCH_MS apart) a process read because of an
 * event gets while it is still seen running: an exec'd program loading, a child not yet asleep.
 * Going to sleep has no event, and may use no CPU tick that the CPU pass would notice.
 */
export const LOOKS_WHILE_RUNNING = 10;
/**
 * Looks a signalled process gets, whatever it is seen doing: a stop or a continue has no event,
 * and shows only once the target is scheduled to take the signal in.
 */
export const LOOKS_AFTER_SIGNAL = 20;

/** A process to look at again for the state it settles into. */
interface Settling {
  /** Looks left at most. */
  looks: number;
  /** Whether it is let go once it is seen not running (after an event), or only when out of looks. */
  whileRunning: boolean;
}

/**
 * The worker's process table between samples, for the event source: a walk of /proc (what the
 * polling source does every tick), a re-read of the processes that events named, and a look at
 * what has no event (a zombie's reaping, pids cgroup counters, host headroom). Each gives a
 * Sample with what changed since the previous one, whichever it was.
 */
export class Sampling {
  readonly #scanner: ProcScanner;
  readonly #cgroupReader: Cgroups;
  readonly #root: string;
  readonly #headroom: Headroom;
  /** Zombies by PID, with when they were first seen: reaping has no event, so they are watched. */
  readonly #zombies = new Map<number, number>();
  /**
   * Processes to read again a moment later, by PID: those read because of an event (a process is
   * read while it forks or execs, so running, and no event says when it goes to sleep), and those
   * just signalled (see look).
   */
  readonly #settling = new Map<number, Settling>();
  #cgroups: Record<string, PidsCgroup | null> = {};
  #host: HostHeadroom | null = null;
  /** When the last CPU pass (or walk) read the processes that use CPU. */
  #cpuAt = 0;
  /** Slices read so far: which slice of the idle processes the next one reads. */
  #slicesRead = 0;
  /** CPU passes since a slice of the idle processes was last read. */
  #passesSinceSlice = 0;
  /** The host's busy CPU ticks at the last pass (null: unknown, every pass reads a slice). */
  #busyTicks: number | null = null;

  readonly #hostBusyTicks: () => number | null;

  constructor(
    scanner: ProcScanner,
    cgroups: Cgroups,
    procRoot: string,
    headroom: Headroom,
    /** The host's busy CPU ticks since boot (/proc/stat); null when they cannot be read. */
    hostBusyTicks: () => number | null = () => readBusyTicks(procRoot),
  ) {
    this.#scanner = scanner;
    this.#cgroupReader = cgroups;
    this.#root = procRoot;
    this.#headroom = headroom;
    this.#hostBusyTicks = hostBusyTicks;
  }

  /** A walk of /proc: every process's stat, and everything of the new ones. */
  walk(full: boolean, cause: SampleCause): Sample {
    const s = sample(this.#scanner, this.#cgroupReader, this.#root, this.#headroom, full);
    // What is settling is kept: the walk may have read it before it settled, as an event's read may.
    this.#zombies.clear();
    for (const r of this.#scanner.records()) if (r.state === 'Z') this.#zombies.set(r.pid, s.at);
    this.#cgroups = s.cgroups;
    this.#host = hostNews(this.#host, s.host);
    this.#cpuAt = s.at;
    this.#scanner.takeUsedTicks();
    this.#busyTicks = this.#hostBusyTicks();
    return { ...s, host: this.#host, cause };
  }

  /**
   * The safety rescan under kernel events: a walk's guarantee for a listing of /proc and a read
   * of what it may have missed (ProcScanner.reconcile): what is new or gone, and what was not
   * read for `maxAgeMs`. Events and the CPU pass, which reads every known process within
   * READ_AT_LEAST_EVERY_MS, leave little of that: no stat read of every process each time.
   */
  rescan(maxAgeMs = READ_AT_LEAST_EVERY_MS): Sample {
    const t0 = performance.now();
    const r = this.#scanner.reconcile(maxAgeMs);
    const containers = new Set(Object.keys(this.#cgroups));
    for (const c of r.changed) if (c.containerId) containers.add(c.containerId);
    const s = this.#finish(r.changed, r.removed, containers, 'scan', r.at, t0, r.vanished);
    return (
      s ?? {
        changed: [],
        removed: [],
        full: false,
        cause: 'scan',
        at: r.at,
        durationMs: performance.now() - t0,
        vanished: r.vanished,
        host: this.#host as HostHeadroom,
        cgroups: this.#cgroups,
      }
    );
  }

  /**
   * Reads again what the events of one coalescing window named: new, exec'd, renamed and exited
   * processes, then the children of those that exited (their new parent); with `young`, also what
   * `watch(false)` looks at, in the same read. null when nothing visible changed.
   */
  reread(touched: Touched, young = false): Sample | null {
    const at = Date.now();
    const t0 = performance.now();
    const containers = new Set<string>();
    const looked = young ? this.#young(at) : NOTHING;
    const read = young ? new Set([...touched.read, ...looked]) : touched.read;
    for (const pid of read) {
      const id = this.#scanner.record(pid)?.containerId;
      if (id) containers.add(id);
    }
    const first = this.#scanner.update(read, touched.execed);
    const orphans: number[] = [];
    for (const pid of touched.orphaning) {
      for (const child of this.#scanner.childrenOf(pid)) orphans.push(child);
    }
    const second = orphans.length > 0 ? this.#scanner.update(orphans) : null;
    const changed = second ? [...first.changed, ...second.changed] : first.changed;
    const removed = second ? [...first.removed, ...second.removed] : first.removed;
    const vanished = first.vanished + (second?.vanished ?? 0);
    if (young) this.#settleAgain(read);
    for (const r of changed) {
      if (r.containerId) containers.add(r.containerId);
      // What only the look read stays as #settleAgain left it; a signalled process keeps its looks.
      const named = touched.read.has(r.pid) || !looked.has(r.pid);
      if (r.state !== 'Z' && named && this.#settling.get(r.pid)?.whileRunning !== false) {
        this.#settling.set(r.pid, { looks: LOOKS_WHILE_RUNNING, whileRunning: true });
      }
    }
    return this.#finish(changed, removed, containers, 'events', at, t0, vanished);
  }

  /**
   * Looks at what no event tells: whether zombies were reaped (young ones only, unless `all`),
   * what the processes events named settled into, and, with `all`, the pids cgroups of the
   * containers and host headroom, and every CPU_REFRESH_MS the CPU of the processes that use it
   * and of a slice of the others (a stat read each). null when nothing changed.
   */
  watch(all: boolean, now = Date.now()): Sample | null {
    const t0 = performance.now();
    const pids = this.#young(now, all);
    let r: ReturnType<ProcScanner['update']> | null = null;
    if (all && now - this.#cpuAt >= CPU_REFRESH_MS) {
      this.#cpuAt = now;
      r = this.#cpuPass(pids);
    } else if (pids.size > 0) {
      r = this.#scanner.update(pids);
    }
    this.#settleAgain(pids);
    const containers = new Set<string>(all ? Object.keys(this.#cgroups) : []);
    if (r) for (const c of r.changed) if (c.containerId) containers.add(c.containerId);
    return this.#finish(
      r?.changed ?? [],
      r?.removed ?? [],
      containers,
      'watch',
      now,
      t0,
      r?.vanished ?? 0,
      all,
    );
  }

  /**
   * Reads the processes that use CPU (and `also`), then a slice of the idle ones when the host's
   * busy time since the last pass is more than what the processes read in that span account for
   * (one of them may be busy now), or, if not, when CPU_IDLE_QUIET_EVERY passes went by without.
   */
  #cpuPass(also: ReadonlySet<number>): ReturnType<ProcScanner['update']> {
    const busy = this.#hostBusyTicks();
    // Events and watches read processes since the last pass: their ticks count too.
    const active = this.#scanner.refreshActive(also);
    const explained = this.#scanner.takeUsedTicks();
    const unexplained =
      busy === null || this.#busyTicks === null
        ? Number.POSITIVE_INFINITY
        : busy - this.#busyTicks - explained;
    this.#busyTicks = busy;
    this.#passesSinceSlice++;
    if (
      unexplained <= unexplainedBound(active.read, explained) &&
      this.#passesSinceSlice < CPU_IDLE_QUIET_EVERY
    ) {
      return active;
    }
    this.#passesSinceSlice = 0;
    const idle = this.#scanner.refreshIdle(this.#slicesRead++ % CPU_IDLE_SLICES, CPU_IDLE_SLICES);
    // What they used is from before: it explains none of the next pass's time.
    this.#scanner.takeUsedTicks();
    return {
      changed: [...active.changed, ...idle.changed],
      removed: [...active.removed, ...idle.removed],
      at: active.at,
      durationMs: active.durationMs + idle.durationMs,
      vanished: active.vanished + idle.vanished,
    };
  }

  /**
   * Has the next looks for settling read `pids` again, LOOKS_AFTER_SIGNAL times: they were just
   * signalled, and what a stop or a continue did shows only in their state.
   */
  look(pids: Iterable<number>): void {
    for (const pid of pids) {
      if (this.#scanner.record(pid)) {
        this.#settling.set(pid, { looks: LOOKS_AFTER_SIGNAL, whileRunning: false });
      }
    }
  }

  /**
   * What a look for settling takes: the processes to read again (see #settleAgain for those kept
   * after) and the young zombies, or all zombies with `allZombies`.
   */
  #young(now: number, allZombies = false): Set<number> {
    const pids = new Set(this.#settling.keys());
    for (const [pid, since] of this.#zombies) {
      if (allZombies || now - since < YOUNG_ZOMBIE_MS) pids.add(pid);
    }
    return pids;
  }

  /**
   * Whether nothing is near a limit: no container within NEAR_LIMIT of its pids.max, and the host
   * within NEAR_LIMIT of its own. There, forks fail without any event saying so (only the pids
   * cgroup's counter does), so the watch keeps its pace.
   */
  calm(): boolean {
    for (const c of Object.values(this.#cgroups)) {
      if (c?.effectiveMax != null && c.current != null && c.current >= NEAR_LIMIT * c.effectiveMax)
        return false;
    }
    const host = this.#host;
    if (!host) return true;
    const limit = host.tasks + host.headroom;
    return host.tasks < NEAR_LIMIT * limit;
  }

  /**
   * After a look that read `read`: each process to settle it held has one look less, and is let
   * go when out of looks, gone, a zombie (watched as one), or seen not running when that is all
   * it was waited for.
   */
  #settleAgain(read: ReadonlySet<number>): void {
    for (const pid of read) {
      const s = this.#settling.get(pid);
      if (!s) continue;
      const state = this.#scanner.record(pid)?.state;
      s.looks--;
      if (s.looks <= 0 || !state || state === 'Z' || (s.whileRunning && state !== 'R')) {
        this.#settling.delete(pid);
      }
    }
  }

  /** Whether young zombies, or processes just read, are waiting to be looked at again. */
  hasYoung(now = Date.now()): boolean {
    if (this.#settling.size > 0) return true;
    for (const since of this.#zombies.values()) if (now - since < YOUNG_ZOMBIE_MS) return true;
    return false;
  }

  #finish(
    changed: ProcessRecord[],
    removed: ProcessIdentity[],
    containers: Set<string>,
    cause: SampleCause,
    at: number,
    t0: number,
    vanished: number,
    rereadHost = true,
  ): Sample | null {
    for (const r of removed) this.#zombies.delete(r.pid);
    for (const r of changed) {
      if (r.state !== 'Z') this.#zombies.delete(r.pid);
      else if (!this.#zombies.has(r.pid)) this.#zombies.set(r.pid, at);
    }
    const cgroupsChanged = this.#refreshCgroups(containers);
    // The scanner's counts, kept as records change: no count of every process each second.
    const host =
      rereadHost || changed.length > 0 || removed.length > 0
        ? hostNews(this.#host, this.#headroom(this.#root, this.#scanner.counts()))
        : this.#host;
    const hostChanged = host !== this.#host;
    if (changed.length === 0 && removed.length === 0 && !cgroupsChanged && !hostChanged) {
      return null;
    }
    this.#host = host;
    return {
      changed,
      removed: removed.map(processKey),
      full: false,
      cause,
      at,
      durationMs: performance.now() - t0,
      vanished,
      host: host as HostHeadroom,
      cgroups: this.#cgroups,
    };
  }

  /** Reads the pids cgroups of `ids` again (dropping containers left without a process). */
  #refreshCgroups(ids: Set<string>): boolean {
    if (ids.size === 0) return false;
    // Containers left without a process are not in `fresh`.
    const fresh = readCgroups(this.#scanner.records(), this.#cgroupReader, ids);
    const next = { ...this.#cgroups };
    let changed = false;
    for (const id of ids) {
      if (!(id in fresh)) {
        if (id in next) {
          delete next[id];
          changed = true;
        }
      } else if (!samePids(next[id], fresh[id])) {
        next[id] = fresh[id] ?? null;
        changed = true;
      }
    }
    if (changed) this.#cgroups = next;
    return changed;
  }
}

/** The host's busy CPU ticks since boot, or null when /proc/stat cannot be read or parsed. */
function readBusyTicks(procRoot: string): number | null {
  try {
    return readStat(procRoot).busyTicks;
  } catch {
    return null;
  }
}

/** The widest the host's task-count deadband gets (see hostNews). */
const TASKS_BAND_MAX = 64;

/**
 * The host headroom to publish after reading `next`: `prev` itself when nothing shown changed
 * enough to be news. lastPid moves with every fork anywhere: never news. The task count counts
 * every thread of the host, which comes and goes all the time on a quiet host: a move smaller
 * than 1% of the headroom (64 tasks at most, 1 at least) is not news, so the count is exact
 * where it matters, as the headroom runs out. The band is against what was published, so a
 * slow climb still shows once it adds up.
 */
export function hostNews(prev: HostHeadroom | null, next: HostHeadroom): HostHeadroom {
  if (
    prev === null ||
    prev.pidMax !== next.pidMax ||
    prev.threadsMax !== next.threadsMax ||
    prev.processes !== next.processes ||
    prev.zombies !== next.zombies ||
    prev.kernelThreads !== next.kernelThreads
  ) {
    return next;
  }
  const band = Math.min(TASKS_BAND_MAX, Math.max(1, Math.floor(prev.headroom / 100)));
  return Math.abs(next.tasks - prev.tasks) < band ? prev : next;
}
