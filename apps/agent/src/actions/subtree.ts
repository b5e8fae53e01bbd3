import {
  isNamespaceInit,
  type MemberResult,
  type Process,
  processKey,
  type Reaper,
  type SignalEffect,
  type SubtreeFate,
  type SubtreeMember,
  type SubtreeOrder,
  subtreeCounts,
} from '@pidscope/protocol';
import { findReaper, type ProcessView, reaperName, reaps } from './preview.js';
import type { SignalInfo } from './signals.js';

/** A process of the subtree as the request found it: the model's record and what the signal does. */
export interface Planned {
  proc: Process;
  depth: number;
  effect: SignalEffect;
}

/** The root and its descendants in the model, breadth-first (root first), each with its depth. */
export function descendants(root: Process, view: ProcessView): { proc: Process; depth: number }[] {
  const out = [{ proc: root, depth: 0 }];
  const seen = new Set([processKey(root)]);
  for (let i = 0; i < out.length; i++) {
    const { proc, depth } = out[i] as { proc: Process; depth: number };
    for (const child of view.children(proc)) {
      const key = processKey(child);
      if (child.kernelThread || seen.has(key)) continue;
      seen.add(key);
      out.push({ proc: child, depth: depth + 1 });
    }
  }
  return out;
}

/** The members level by level, in the order the levels are signalled. */
export function levels<T extends { depth: number }>(members: readonly T[], order: SubtreeOrder) {
  const byDepth = new Map<number, T[]>();
  for (const m of members) byDepth.set(m.depth, [...(byDepth.get(m.depth) ?? []), m]);
  const depths = [...byDepth.keys()].sort((a, b) => (order === 'root-first' ? a - b : b - a));
  return depths.map((d) => byDepth.get(d) as T[]);
}

const endsBy = (effect: SignalEffect) => effect === 'terminate' || effect === 'stops-container';

/**
 * These never call wait(): a child they hold (one started by the shell they were exec'd from)
 * stays a zombie. Other programs usually wait for the children they start, which pidscope cannot
 * see, and init-like ones are known from the init table.
 */
const NEVER_WAITS = /^(sleep|tail|cat)$/;

/** Whether `p` reaps a child of its own that exits: true, false, or null (it depends). */
function reapsOwnChild(p: Process, view: ProcessView): boolean | null {
  if (reaps(p, view) === true) return true;
  return NEVER_WAITS.test(p.comm) ? false : null;
}

const brief = (p: Pick<Process, 'pid' | 'startTime' | 'comm'>) => ({
  pid: p.pid,
  startTime: p.startTime,
  comm: p.comm,
});

/**
 * What becomes of every member once each had the signal in `order` ([R8] in the protocol's
 * SPEC.md), computed from the model: the agent signals level by level and waits for the members a
 * signal ends, so with leaves-first a member exits under its own parent, and with root-first the
 * children of a member that exits are adopted before their turn (kernel/exit.c find_new_reaper).
 */
export function predictSubtree(
  plan: readonly Planned[],
  order: SubtreeOrder,
  view: ProcessView,
): SubtreeMember[] {
  const byKey = new Map(plan.map((m) => [processKey(m.proc), m]));
  const byPid = new Map(plan.map((m) => [m.proc.pid, m]));
  const ends = (p: Process) => {
    const m = byKey.get(processKey(p));
    return m !== undefined && endsBy(m.effect);
  };
  const killed = new Set<Planned>();
  const out: SubtreeMember[] = [];
  for (const m of plan) {
    const parentMember = m.depth > 0 ? byPid.get(m.proc.ppid) : undefined;
    const base = {
      ...brief(m.proc),
      ppid: m.proc.ppid,
      depth: m.depth,
      state: m.proc.state,
      effect: m.effect,
      result: null,
      exited: null,
    };
    if (
      parentMember &&
      (killed.has(parentMember) ||
        (parentMember.effect === 'stops-container' && isNamespaceInit(parentMember.proc)))
    ) {
      killed.add(m);
      out.push({ ...base, fate: 'killed', newParent: null, zombieOf: null });
      continue;
    }
    const parentEnds = parentMember !== undefined && endsBy(parentMember.effect);
    const adopter = parentEnds ? findReaper(parentMember.proc, view, ends) : null;
    const dies = endsBy(m.effect);
    const zombie = m.proc.state === 'Z' || m.proc.state === 'X';
    if (parentEnds && !adopter) {
      killed.add(m);
      out.push({ ...base, fate: 'killed', newParent: null, zombieOf: null });
      continue;
    }
    // Root-first: the parent exits before this member's turn. Leaves-first: only a member that
    // outlives its parent (or already is a zombie) is handed on.
    const newParent: Reaper | null =
      adopter && (order === 'root-first' || !dies || zombie) ? adopter : null;
    if (!dies && !zombie) {
      const fate: SubtreeFate = m.effect === 'handled' ? 'handles' : 'survives';
      out.push({ ...base, fate, newParent, zombieOf: null });
      continue;
    }
    let fate: SubtreeFate;
    let zombieOf: SubtreeMember['zombieOf'] = null;
    if (adopter && parentMember) {
      // Leaves-first, a member exits under its parent, which may reap it before it exits too;
      // what it leaves unreaped goes to the adopter.
      const first = newParent ? false : reapsOwnChild(parentMember.proc, view);
      if (adopter.reaps === true || first === true) fate = 'exits';
      else if (adopter.reaps === false && first === false) {
        fate = 'zombie';
        zombieOf = brief(adopter);
      } else fate = 'exits-if-waited';
    } else {
      const parent = parentMember?.proc ?? view.findProcess(m.proc.ppid);
      const r = parent ? reapsOwnChild(parent, view) : null;
      if (r === true) fate = 'exits';
      else if (r === false && parent) {
        fate = 'zombie';
        zombieOf = brief(parent);
      } else fate = 'exits-if-waited';
    }
    out.push({ ...base, fate, newParent, zombieOf });
  }
  return levels(out, order).flat();
}

function names(ms: readonly SubtreeMember[], max = 6): string {
  const shown = ms.slice(0, max).map((m) => `${m.pid} (${m.comm})`);
  return `${shown.join(', ')}${ms.length > max ? ` and ${ms.length - max} more` : ''}`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The prediction in words, one sentence per line, after the root's own first line. */
export function subtreeText(
  rootLine: string,
  members: readonly SubtreeMember[],
  order: SubtreeOrder,
  signal: SignalInfo,
  view: ProcessView,
  containerName: string | null,
): string {
  const c = subtreeCounts(members);
  const root = members.find((m) => m.depth === 0);
  const how =
    order === 'leaves-first'
      ? 'the deepest first, each level once the one below has exited'
      : 'the root first, each level once the one above has exited';
  const lines = [
    `${signal.name} to the subtree of PID ${root?.pid} (${root?.comm}): ${plural(c.members, 'process', 'processes')}, ${how}.`,
    rootLine,
  ];
  const exits = members.filter((m) => m.fate === 'exits');
  if (exits.length) lines.push(`${exits.length} will exit: ${names(exits)}.`);
  const byPid = new Map(members.map((m) => [m.pid, m]));
  for (const m of members.filter((x) => x.fate === 'exits-if-waited').slice(0, 5)) {
    const parent = m.newParent ?? view.findProcess(m.ppid);
    const who = parent ? `${parent.pid} (${parent.comm})` : String(m.ppid);
    const parentMember = m.newParent ? undefined : byPid.get(m.ppid);
    const adopter =
      parentMember && endsBy(parentMember.effect) && parent
        ? findReaper(parent as Process, view, (p) => {
            const x = byPid.get(p.pid);
            return x !== undefined && x.startTime === p.startTime && endsBy(x.effect);
          })
        : null;
    lines.push(
      adopter
        ? `${m.pid} (${m.comm}) will exit; it goes if its parent ${who} calls wait() before it exits too, else it goes to ${reaperName(adopter, containerName)}${adopter.reaps === false ? ', which never reaps' : ''}.`
        : `${m.pid} (${m.comm}) will exit; it goes once its parent ${who} calls wait().`,
    );
  }
  for (const m of members.filter((x) => x.fate === 'zombie').slice(0, 5)) {
    const z = m.zombieOf;
    lines.push(
      `${m.pid} (${m.comm}) will stay a zombie: its parent ${z?.pid} (${z?.comm}) never calls wait().`,
    );
  }
  for (const m of members.filter((x) => x.fate === 'survives' || x.fate === 'handles')) {
    const why =
      m.fate === 'handles'
        ? `has a handler for ${signal.name}: what it does is up to it`
        : `is not ended by ${signal.name} (${m.effect})`;
    const adopted = m.newParent
      ? `; adopted by ${reaperName(m.newParent, containerName)} once its parent exits`
      : '';
    lines.push(`${m.pid} (${m.comm}) ${why}${adopted}.`);
  }
  const orphansThatExit = members.filter((m) => m.newParent && endsBy(m.effect));
  if (orphansThatExit.length) {
    const byAdopter = new Map<number, SubtreeMember[]>();
    for (const m of orphansThatExit) {
      const pid = m.newParent?.pid as number;
      byAdopter.set(pid, [...(byAdopter.get(pid) ?? []), m]);
    }
    for (const ms of byAdopter.values()) {
      const adopter = ms[0]?.newParent as Reaper;
      lines.push(
        `Orphaned before their turn, adopted by ${reaperName(adopter, containerName)}: ${names(ms)}.`,
      );
    }
  }
  if (c.killed) {
    lines.push(
      `${plural(c.killed, 'process dies', 'processes die')} with ${containerName ? `container ${containerName}` : 'their PID namespace'}, whose PID 1 gets SIGKILL.`,
    );
  }
  return lines.map((l) => l.charAt(0).toUpperCase() + l.slice(1)).join('\n');
}

/** Whether a member had exited: gone, reused, or a zombie. */
export type ExitProbe = (pid: number, startTime: number) => boolean;

/** How long the agent waits for a level to exit, at most, and for the whole request. */
export interface Waits {
  levelMs: number;
  totalMs: number;
  pollMs: number;
}
export const WAITS: Waits = { levelMs: 1_000, totalMs: 5_000, pollMs: 10 };

/**
 * Signals the members level by level in their order; after each level, waits (polling) for those
 * the signal ends to exit, so the next level finds them gone or zombies.
 */
export async function signalLevels(
  members: SubtreeMember[],
  order: SubtreeOrder,
  send: (m: SubtreeMember) => MemberResult,
  exited: ExitProbe,
  waits: Waits = WAITS,
): Promise<void> {
  const deadline = Date.now() + waits.totalMs;
  for (const level of levels(members, order)) {
    for (const m of level) m.result = send(m);
    const waiting = level.filter((m) => m.result === 'sent' && endsBy(m.effect));
    const until = Math.min(deadline, Date.now() + waits.levelMs);
    for (;;) {
      for (const m of waiting) if (!m.exited) m.exited = exited(m.pid, m.startTime);
      if (waiting.every((m) => m.exited) || Date.now() >= until) break;
      await new Promise((r) => setTimeout(r, waits.pollMs));
    }
  }
}
