import {
  type Container,
  classifyInit,
  inContainerPid,
  isNamespaceInit,
  type Process,
  type ZombieAnalysis,
} from '@pidscope/protocol';

export interface ZombieContext {
  /** Current processes by host PID. */
  byPid: ReadonlyMap<number, Process>;
  /** The namespace PID 1 of a PID namespace inode (host PID 1 for the host's namespace). */
  nsInit: (pidNs: number | null) => Process | undefined;
  container: (id: string) => Container | undefined;
  now: number;
}

function label(p: Process): string {
  return `${p.comm} (PID ${p.pid}${isNamespaceInit(p) ? ', container PID 1' : ''})`;
}

/**
 * Why a zombie is still there and what clears it. The zombie's parent is blamed: only it can
 * wait() for its child. If the parent dies, the kernel hands the zombie to the namespace's PID 1
 * (or a subreaper), which clears it only if it reaps.
 */
export function analyseZombie(z: Process, ctx: ZombieContext): ZombieAnalysis | null {
  if (z.state !== 'Z') return null;
  const zombieSince = z.zombieSince ?? ctx.now;
  const parentProc = z.ppid > 0 ? ctx.byPid.get(z.ppid) : undefined;
  const container = z.containerId ? ctx.container(z.containerId) : undefined;
  const init = ctx.nsInit(z.pidNs);
  const initInfo = init ? classifyInit(init.comm, init.cmdline) : null;
  // Docker's --init is authoritative even before the init process has been read.
  const initReaps = container?.hasInit ? true : initInfo ? initInfo.reaps : null;
  const initComm = init ? init.comm : null;
  const where = z.containerId
    ? `container ${container?.name ?? z.containerId.slice(0, 12)}`
    : 'the host';
  const pid1 = init ? `PID 1 (${init.comm})` : 'PID 1';

  const parent = parentProc
    ? {
        pid: parentProc.pid,
        startTime: parentProc.startTime,
        comm: parentProc.comm,
        cmdline: parentProc.cmdline,
        isContainerInit: isNamespaceInit(parentProc),
        isHostInit: parentProc.pid === 1,
      }
    : null;

  let fix: string;
  if (!parentProc) {
    fix = `its parent (PID ${z.ppid}) is not visible; it will stay until its parent exits or waits`;
  } else if (parent?.isHostInit) {
    fix =
      initReaps === false
        ? `its parent is the host's PID 1 (${parentProc.comm}), which does not reap`
        : `its parent is the host's PID 1 (${parentProc.comm}), which reaps lazily: it should go soon; judge it by its age`;
  } else if (parent?.isContainerInit) {
    if (initReaps === true) {
      fix = `its parent is the PID 1 of ${where} (${parentProc.comm}), which reaps: it should go soon; if it lingers, PID 1 is blocked`;
    } else {
      fix = `its parent ${label(parentProc)} is the PID 1 of ${where} and never calls wait(): only restarting the container clears it; restart the container with --init so docker-init reaps orphans`;
    }
  } else if (initReaps === true) {
    fix = `its parent ${label(parentProc)} never calls wait(); kill the parent and ${pid1} of ${where} will reap it (or fix the parent to wait() for its children)`;
  } else if (initReaps === false) {
    fix = `its parent ${label(parentProc)} never calls wait(), and ${pid1} of ${where} does not reap: killing the parent only moves the zombie to ${pid1}, where it stays; restart the container with --init`;
  } else {
    fix = `its parent ${label(parentProc)} never calls wait(); killing the parent hands it to ${pid1} of ${where}, which reaps only while it waits for its own jobs; restart the container with --init to be sure`;
  }

  return {
    pid: z.pid,
    startTime: z.startTime,
    nsPid: inContainerPid(z),
    zombieSince,
    ageMs: Math.max(0, ctx.now - zombieSince),
    containerId: z.containerId,
    parent,
    initReaps,
    initComm,
    fix,
  };
}
