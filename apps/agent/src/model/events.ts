import {
  type Container,
  type Event,
  inContainerPid,
  isNamespaceInit,
  type Process,
  type ReaperKind,
} from '@pidscope/protocol';

/** An event before the model stamps its id. */
export type NewEvent = Omit<Event, 'id'>;

function nsPidOf(p: Process): { nsPid?: number } {
  const nsPid = inContainerPid(p);
  return nsPid === null ? {} : { nsPid };
}

function base(p: Process, at: number): Omit<NewEvent, 'type' | 'message'> {
  return {
    at,
    pid: p.pid,
    startTime: p.startTime,
    containerId: p.containerId,
    comm: p.comm,
    ...nsPidOf(p),
  };
}

function who(p: Process): string {
  const nsPid = inContainerPid(p);
  const ns = nsPid === null ? '' : `, container PID ${nsPid}`;
  return `${p.comm} (PID ${p.pid}${ns})`;
}

/**
 * What the new parent of a reparented process is. The kernel (kernel/exit.c find_new_reaper)
 * picks a subreaper inside the same PID namespace first, else the namespace's PID 1.
 */
export function reaperKind(child: Process, parent: Process | undefined): ReaperKind {
  if (parent?.pid === 1 || (!parent && child.ppid === 1)) return 'host-init';
  if (parent && parent.pidNs === child.pidNs && isNamespaceInit(parent)) return 'namespace-init';
  return 'subreaper';
}

/** The parent a zombie is blamed on: the one it had when it appeared. */
export type Blame = Pick<NewEvent, 'parentPid' | 'parentStartTime' | 'parentComm'>;

function blameOf(ppid: number, parent: Process | undefined): Blame {
  return parent
    ? { parentPid: parent.pid, parentStartTime: parent.startTime, parentComm: parent.comm }
    : { parentPid: ppid };
}

/**
 * Process events from two consecutive scans (keyed by `pid:startTime`). A process first seen
 * already in state Z (it forked and died between scans) counts as zombie-appeared too. Zombie
 * events name the parent that did not reap: for zombie-reaped, the one in `blamed` (recorded when
 * it appeared; its parent may have changed or gone since), else its last parent.
 */
export function processEvents(
  prev: ReadonlyMap<string, Process>,
  next: ReadonlyMap<string, Process>,
  nextByPid: ReadonlyMap<number, Process>,
  at: number,
  blamed: ReadonlyMap<string, Blame> = new Map(),
): NewEvent[] {
  const out: NewEvent[] = [];
  for (const [key, p] of next) {
    const before = prev.get(key);
    // The model hands over the same object while a process is unchanged.
    if (before === p) continue;
    if (p.state === 'Z' && before?.state !== 'Z') {
      const parent = nextByPid.get(p.ppid);
      out.push({
        ...base(p, at),
        ...blameOf(p.ppid, parent),
        type: 'zombie-appeared',
        message: `${who(p)} became a zombie; parent ${parent ? who(parent) : `PID ${p.ppid}`} has not reaped it`,
      });
    }
    if (before && before.ppid !== p.ppid) {
      const parent = nextByPid.get(p.ppid);
      const kind = reaperKind(p, parent);
      const what = {
        'host-init': "the host's PID 1",
        'namespace-init': "its namespace's PID 1",
        subreaper: 'a subreaper',
      }[kind];
      out.push({
        ...base(p, at),
        type: 'reparented',
        oldPpid: before.ppid,
        newPpid: p.ppid,
        newParentKind: kind,
        message: `${who(p)} lost its parent PID ${before.ppid} and was adopted by ${parent ? who(parent) : `PID ${p.ppid}`}, ${what}`,
      });
    }
  }
  for (const [key, p] of prev) {
    if (next.has(key) || p.kernelThread) continue;
    if (p.state === 'Z') {
      out.push({
        ...base(p, at),
        ...(blamed.get(key) ?? blameOf(p.ppid, nextByPid.get(p.ppid))),
        type: 'zombie-reaped',
        message: `zombie ${who(p)} was reaped`,
      });
    } else {
      out.push({ ...base(p, at), type: 'exited', message: `${who(p)} exited` });
    }
  }
  return out;
}

/** Container lifecycle and pids-limit events between two consecutive container sets. */
export function containerEvents(
  prev: ReadonlyMap<string, Container>,
  next: ReadonlyMap<string, Container>,
  at: number,
  initOf: (c: Container) => Process | undefined,
): NewEvent[] {
  const out: NewEvent[] = [];
  const ev = (
    c: Container,
    type: NewEvent['type'],
    message: string,
    extra: Partial<NewEvent> = {},
  ) => {
    const init = initOf(c);
    const who = init
      ? { pid: init.pid, startTime: init.startTime, comm: init.comm }
      : { pid: 0, startTime: 0 };
    out.push({ at, ...who, containerId: c.id, type, message, ...extra });
  };
  for (const [id, c] of next) {
    const before = prev.get(id);
    if (!before) ev(c, 'container-started', `container ${c.name} started`);
    // A container first seen with failures already counted hit its limit since it started.
    const delta = c.forkFailures - (before?.forkFailures ?? 0);
    if (delta > 0) {
      ev(
        c,
        'pids-limit-hit',
        `container ${c.name} hit its pids limit (${c.pidsMax ?? 'max'}): ${delta} fork(s) failed`,
        {
          forkFailures: c.forkFailures,
          delta,
        },
      );
    }
  }
  for (const [id, c] of prev) {
    if (!next.has(id)) ev(c, 'container-stopped', `container ${c.name} stopped`);
  }
  return out;
}
