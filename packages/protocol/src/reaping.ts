// [S11] Who reaps a container process when it exits, for the processes whose reaper is not the
// parent that started them: `docker exec` sessions (the shim's children) and orphans adopted by
// the container's PID 1.
import { classifyInit } from './inits.js';
import { isNamespaceInit } from './nsPids.js';
import type { Container, Process } from './schemas.js';

export interface ZombieFate {
  /** containerd-shim, or the PID 1 of the process's namespace. */
  reaper: 'shim' | 'namespace-init';
  /** Whether its zombie is cleared: true, false, or null when that depends on PID 1. */
  reaped: boolean | null;
  /** What happens, in words. */
  text: string;
}

const SHIM = /^containerd-shim/;

/**
 * [S11] What happens to a container process's zombie when it exits, when that is not up to a
 * parent of its own: its parent is containerd-shim (a `docker exec` session, or a process the
 * shim adopted), which reaps it at once; or it was adopted (`adopted`: a reparented event named
 * it) by its namespace's PID 1, which clears it only if it reaps. Null otherwise.
 */
export function zombieFate(
  p: Process,
  parent: Process | undefined,
  container: Container | undefined,
  adopted: boolean,
): ZombieFate | null {
  if (p.containerId === null || !parent || isNamespaceInit(p)) return null;
  if (SHIM.test(parent.comm)) {
    return {
      reaper: 'shim',
      reaped: true,
      text: `its parent is ${parent.comm}, outside the container, which reaps it as soon as it exits`,
    };
  }
  if (!adopted || !isNamespaceInit(parent) || parent.pidNs !== p.pidNs) return null;
  const init = classifyInit(parent.comm, parent.cmdline);
  const reaps = container?.hasInit ? true : (init?.reaps ?? null);
  const pid1 = `PID 1 (${parent.comm})`;
  if (reaps === true) {
    return { reaper: 'namespace-init', reaped: true, text: `adopted by ${pid1}, which reaps it` };
  }
  if (reaps === false) {
    return {
      reaper: 'namespace-init',
      reaped: false,
      text: `adopted by ${pid1}, which does not reap: when it exits it stays a zombie until the container stops`,
    };
  }
  return {
    reaper: 'namespace-init',
    reaped: null,
    text: `adopted by ${pid1}, ${init ? init.why : 'not known to reap'}: when it exits it may stay a zombie until the container stops`,
  };
}
