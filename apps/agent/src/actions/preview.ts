import { basename } from 'node:path';
import { signalMaskHas } from '@pidscope/procfs';
import {
  type Container,
  classifyInit,
  inContainerPid,
  isNamespaceInit,
  type OrphanFate,
  type Process,
  type Reaper,
  type SignalEffect,
  type SignalPreview,
} from '@pidscope/protocol';
import type { SignalInfo } from './signals.js';
import type { Target } from './target.js';

/** What the agent knows about the tree around a target (the live model, or a test double). */
export interface ProcessView {
  findProcess(pid: number): Process | undefined;
  children(parent: Process): Process[];
  /** The PID 1 of a PID namespace (the host's PID 1 for the host namespace). */
  namespaceInit(pidNs: number | null): Process | undefined;
  container(id: string): Container | undefined;
}

/**
 * Subreaper status is not visible in /proc; these binaries set PR_SET_CHILD_SUBREAPER when run
 * this way (tini/docker-init with -s, containerd's shims, `systemd --user`).
 */
export function isKnownSubreaper(p: Pick<Process, 'comm' | 'cmdline'>): boolean {
  const argv0 = p.cmdline[0] ? basename(p.cmdline[0]) : p.comm;
  const names = [argv0, p.comm];
  if (names.some((n) => /^containerd-shim/.test(n))) return true;
  if (names.some((n) => /^(tini|tini-static|docker-init)$/.test(n))) {
    const opts = p.cmdline.slice(1, Math.max(1, p.cmdline.indexOf('--')));
    return opts.some((a) => /^-[a-zA-Z]*s[a-zA-Z]*$/.test(a));
  }
  return names.includes('systemd') && p.cmdline.includes('--user');
}

/** Whether `p` reaps the children it adopts (true), never does (false), or it depends (null). */
export function reaps(p: Process, view: ProcessView): boolean | null {
  if (p.pid === 1) return true;
  if (isKnownSubreaper(p)) return true;
  const container = p.containerId ? view.container(p.containerId) : undefined;
  if (container?.hasInit && container.initPid === p.pid) return true;
  return classifyInit(p.comm, p.cmdline)?.reaps ?? null;
}

function where(containerName: string | null): string {
  return containerName ? `container ${containerName}` : 'the host';
}

/** Same PID namespace; the nesting depth stands in when a namespace inode was unreadable. */
function sameNamespace(a: Process, b: Process): boolean {
  if (a.pidNs !== null && b.pidNs !== null) return a.pidNs === b.pidNs;
  return a.nsPids.length === b.nsPids.length;
}

/**
 * Who adopts the children of `dying` (kernel/exit.c find_new_reaper): the nearest ancestor that is
 * a subreaper inside the same PID namespace, else that namespace's PID 1. null when `dying` is
 * itself the namespace's PID 1 (its death kills the namespace). `ends` names processes that exit
 * too (the rest of a subtree signal): a subreaper among them adopts no one for good, and a PID 1
 * among them takes its namespace down (null).
 */
export function findReaper(
  dying: Process,
  view: ProcessView,
  ends: (p: Process) => boolean = () => false,
): Reaper | null {
  if (isNamespaceInit(dying) || dying.pid === 1) return null;
  const seen = new Set<number>([dying.pid]);
  let up = view.findProcess(dying.ppid);
  while (up && sameNamespace(up, dying) && !seen.has(up.pid)) {
    if (isNamespaceInit(up) || up.pid === 1) break;
    if (isKnownSubreaper(up) && !ends(up)) {
      return {
        pid: up.pid,
        startTime: up.startTime,
        comm: up.comm,
        kind: 'subreaper',
        reaps: true,
      };
    }
    seen.add(up.pid);
    up = view.findProcess(up.ppid);
  }
  // A host process (one NSpid level in this view) goes to the host's PID 1.
  const init =
    inContainerPid(dying) === null ? view.findProcess(1) : view.namespaceInit(dying.pidNs);
  if (!init || ends(init)) return null;
  return {
    pid: init.pid,
    startTime: init.startTime,
    comm: init.comm,
    kind: init.pid === 1 ? 'host-init' : 'namespace-init',
    reaps: reaps(init, view),
  };
}

export function reaperName(r: Reaper, containerName: string | null): string {
  if (r.kind === 'host-init') return `the host's PID 1 (${r.comm})`;
  if (r.kind === 'namespace-init') return `PID 1 (${r.comm}) of ${where(containerName)}`;
  return `subreaper ${r.pid} (${r.comm})`;
}

function orphanFate(
  child: Process,
  reaper: Reaper | null,
  containerName: string | null,
): OrphanFate {
  const zombie = child.state === 'Z';
  const base = {
    pid: child.pid,
    startTime: child.startTime,
    comm: child.comm,
    zombie,
    newParent: reaper,
  };
  const what = zombie ? `zombie ${child.pid}` : `child ${child.pid} (${child.comm})`;
  if (!reaper) {
    return {
      ...base,
      fate: 'killed',
      text: `${what} dies with the rest of ${where(containerName)}`,
    };
  }
  const to = reaperName(reaper, containerName);
  if (!zombie) {
    return { ...base, fate: 'adopted', text: `${what} will be reparented to ${to}` };
  }
  if (reaper.reaps === true) {
    const lazily = reaper.kind === 'host-init' ? ' (the host init reaps lazily: seconds)' : '';
    return {
      ...base,
      fate: 'reaped',
      text: `${what} will be reparented to ${to}, which reaps: it will disappear${lazily}`,
    };
  }
  if (reaper.reaps === false) {
    return {
      ...base,
      fate: 'stays',
      text: `${what} will be reparented to ${to}, which does not reap: it will stay`,
    };
  }
  return {
    ...base,
    fate: 'may-stay',
    text: `${what} will be reparented to ${to}, which reaps only while it waits for a job of its own: it may stay`,
  };
}

/** The process record for a target: the model's when it matches, else one made from /proc. */
export function asProcess(t: Target, view: ProcessView): Process {
  const known = view.findProcess(t.pid);
  if (known && known.startTime === t.startTime) return { ...known, ppid: t.ppid, state: t.state };
  const parent = view.findProcess(t.ppid);
  return {
    pid: t.pid,
    ppid: t.ppid,
    state: t.state,
    comm: t.comm,
    cmdline: t.cmdline,
    startTime: t.startTime,
    threads: 1,
    uid: 0,
    kernelThread: t.kernelThread,
    nsPids: t.nsPids,
    pidNs: parent?.pidNs ?? null,
    containerId: parent?.containerId ?? null,
    runtime: parent?.runtime ?? null,
    rssBytes: 0,
    cpu: 0,
    zombieSince: null,
  };
}

/** What `signal` does to `t`, and why in words. */
export function effectOf(t: Target, signal: SignalInfo): { effect: SignalEffect; why: string } {
  const containerInit = isNamespaceInit(t);
  if (t.state === 'Z' || t.state === 'X') {
    return { effect: 'none', why: 'it is a zombie: it has already exited and cannot be killed' };
  }
  if (signal.catchable && signalMaskHas(t.sigIgn, signal.number)) {
    return { effect: 'ignored', why: `it ignores ${signal.name} (SIG_IGN): nothing happens` };
  }
  if (signal.catchable && signalMaskHas(t.sigCgt, signal.number)) {
    return {
      effect: 'handled',
      why: `it has a handler for ${signal.name}: what happens is up to the program`,
    };
  }
  if (containerInit && signal.name === 'SIGKILL') {
    return {
      effect: 'stops-container',
      why: "SIGKILL to the container's PID 1 stops the whole container: the kernel kills every process in its PID namespace",
    };
  }
  // SIGSTOP from an ancestor namespace is forced; SIGCONT resumes a stopped task before the
  // ignore check (kernel/signal.c prepare_signal).
  if (
    containerInit &&
    signal.defaultAction !== 'ignore' &&
    signal.name !== 'SIGSTOP' &&
    signal.name !== 'SIGCONT'
  ) {
    return {
      effect: 'ignored',
      why: `it is the container's PID 1 and has no handler for ${signal.name}: the kernel drops it, nothing happens (a namespace's PID 1 gets only SIGKILL and SIGSTOP from outside without a handler; SIGKILL would stop the whole container)`,
    };
  }
  if (!signal.catchable && signal.name === 'SIGKILL') {
    return { effect: 'terminate', why: 'SIGKILL cannot be caught or ignored: it terminates' };
  }
  switch (signal.defaultAction) {
    case 'terminate':
      return { effect: 'terminate', why: `it has no handler for ${signal.name}: it terminates` };
    case 'core':
      return {
        effect: 'terminate',
        why: `it has no handler for ${signal.name}: it terminates (and may dump core)`,
      };
    case 'stop':
      return { effect: 'stop', why: 'it stops (state T) until it gets SIGCONT' };
    case 'continue':
      return {
        effect: 'continue',
        why: t.state === 'T' ? 'it continues running' : 'it is not stopped: nothing happens',
      };
    default:
      return { effect: 'ignored', why: `the default action of ${signal.name} is to ignore it` };
  }
}

function listNames(children: readonly Process[]): string {
  const shown = children.slice(0, 5).map((c) => `${c.pid} (${c.comm})`);
  const more = children.length > 5 ? ` and ${children.length - 5} more` : '';
  return `${shown.join(', ')}${more}`;
}

/** What sending `signal` to `t` would do, in structured fields and in words. */
export function previewSignal(t: Target, signal: SignalInfo, view: ProcessView): SignalPreview {
  const proc = asProcess(t, view);
  const container = proc.containerId ? view.container(proc.containerId) : undefined;
  const containerName =
    container?.name ?? (proc.containerId ? proc.containerId.slice(0, 12) : null);
  const containerInit = isNamespaceInit(t);
  const { effect, why } = effectOf(t, signal);
  const inContainer = inContainerPid(t);
  const nsPid = inContainer === null ? '' : `, PID ${inContainer} in the container`;
  const lines = [
    `${signal.name} to PID ${t.pid} (${t.comm}${nsPid}) ${containerName ? `in container ${containerName}` : 'on the host'}: ${why}.`,
  ];

  if (effect === 'none') {
    const parent = view.findProcess(t.ppid);
    const parentName = parent ? `${parent.pid} (${parent.comm})` : String(t.ppid);
    lines.push(
      `Only its parent ${parentName} can clear it by calling wait(): signal the parent, or use Reap.`,
    );
  }
  if (t.state === 'D' && (effect === 'terminate' || signal.name === 'SIGKILL')) {
    lines.push('It is in uninterruptible sleep (D): it will not die until its I/O finishes.');
  }
  if (t.state === 'T' && effect === 'terminate' && signal.name !== 'SIGKILL') {
    lines.push(`It is stopped (T): ${signal.name} waits until it gets SIGCONT.`);
  }
  if (signal.catchable && effect !== 'none' && signalMaskHas(t.sigBlk, signal.number)) {
    lines.push(`It blocks ${signal.name} for now: the signal stays pending until it unblocks it.`);
  }

  let orphans: OrphanFate[] = [];
  const dies = effect === 'terminate' || effect === 'stops-container' || effect === 'handled';
  if (dies) {
    const children = view.children(proc).filter((c) => !c.kernelThread);
    const reaper = findReaper(proc, view);
    orphans = children.map((c) => orphanFate(c, reaper, containerName));
    const prefix = effect === 'handled' ? 'If it exits, ' : '';
    const zombies = orphans.filter((o) => o.zombie);
    const live = children.filter((c) => c.state !== 'Z');
    for (const z of zombies.slice(0, 5)) lines.push(`${prefix}${z.text}.`);
    if (zombies.length > 5) {
      lines.push(`${prefix}${zombies.length - 5} more zombies share that fate.`);
    }
    if (live.length > 0) {
      const kids = live.length === 1 ? 'Its child' : 'Its children';
      if (!reaper) {
        lines.push(`${kids} ${listNames(live)} die with it.`);
      } else {
        lines.push(
          `${prefix}${kids.toLowerCase()} ${listNames(live)} will be adopted by ${reaperName(reaper, containerName)}.`,
        );
      }
    }
  }

  return {
    pid: t.pid,
    startTime: t.startTime,
    comm: t.comm,
    state: t.state,
    signal: signal.name,
    containerId: proc.containerId,
    containerName,
    isContainerInit: containerInit,
    effect,
    orphans,
    text: lines.map((l) => l.charAt(0).toUpperCase() + l.slice(1)).join('\n'),
  };
}
